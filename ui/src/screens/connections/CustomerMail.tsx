import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { MailPreview, SmtpView } from '../../api/bindings';
import { api } from '../../api/client';
import { useToast } from '../../components/toast';
import { useI18n, type MessageKey } from '../../i18n';

const KINDS = ['order_confirmed', 'shipped', 'delivered', 'exception'];

/** Customer e-mail through the shop's own SMTP server: the server (password to the OS
 * keyring), which channels e-mail from here, the templates in English and German with a
 * preview, and a test send. */
export function CustomerMail() {
  const { t, num } = useI18n();
  const qc = useQueryClient();
  const toast = useToast();
  const settings = useQuery({ queryKey: ['mail-settings'], queryFn: api.mailSettings, staleTime: 0 });
  const [smtp, setSmtp] = useState<SmtpView | null>(null);
  const [password, setPassword] = useState('');
  const [mailLang, setMailLang] = useState('en');
  useEffect(() => {
    if (settings.data && !smtp) {
      setSmtp(settings.data.smtp ?? { host: '', port: 587, security: 'starttls', username: null, from_name: '', from_address: '', reply_to: null });
      setMailLang(settings.data.lang);
    }
  }, [settings.data, smtp]);
  const save = async () => {
    if (!smtp) return;
    try {
      await api.saveMailSettings({ smtp, password: password || null, lang: mailLang });
      setPassword('');
      toast.ok(t('mail.saved'));
      await qc.invalidateQueries({ queryKey: ['mail-settings'] });
    } catch (e) {
      toast.error(e);
    }
  };
  const sendNow = async () => {
    try {
      const r = await api.sendMailNow();
      if (r.stopped) toast.error({ code: 'channel_config', message: r.stopped, details: [] });
      else toast.ok(t('mail.sentNow', { sent: num(r.sent), later: num(r.later), failed: num(r.failed) }));
      await qc.invalidateQueries();
    } catch (e) {
      toast.error(e);
    }
  };
  const toggle = async (id: number, on: boolean) => {
    try { await api.setEmailCustomers(id, on); await qc.invalidateQueries({ queryKey: ['mail-settings'] }); } catch (e) { toast.error(e); }
  };
  const s = settings.data;
  return (
    <div className="stack" data-testid="customer-mail">
      <h2>{t('mail.title')}</h2>
      <p className="muted">{t('mail.body')}</p>
      {smtp && (
        <div className="card form" data-testid="smtp-form">
          <div className="form-grid">
            <label>{t('mail.host')}<input data-testid="smtp-host" value={smtp.host} onChange={(e) => setSmtp({ ...smtp, host: e.target.value })} /></label>
            <label>{t('mail.port')}<input data-testid="smtp-port" inputMode="numeric" value={smtp.port} onChange={(e) => setSmtp({ ...smtp, port: Number(e.target.value.replace(/\D/g, '')) || 0 })} /></label>
            <label>{t('mail.security')}
              <select data-testid="smtp-security" value={smtp.security} onChange={(e) => setSmtp({ ...smtp, security: e.target.value })}>
                <option value="starttls">STARTTLS</option><option value="tls">TLS</option><option value="none">{t('mail.plain')}</option>
              </select></label>
            <label>{t('mail.user')}<input data-testid="smtp-user" value={smtp.username ?? ''} onChange={(e) => setSmtp({ ...smtp, username: e.target.value || null })} /></label>
            <label>{t('mail.password')}<input type="password" autoComplete="off" data-testid="smtp-password" placeholder={s?.has_password ? t('mail.passwordKept') : ''} value={password} onChange={(e) => setPassword(e.target.value)} /></label>
            <label>{t('mail.fromName')}<input data-testid="smtp-from-name" value={smtp.from_name} onChange={(e) => setSmtp({ ...smtp, from_name: e.target.value })} /></label>
            <label>{t('mail.fromAddress')}<input data-testid="smtp-from" value={smtp.from_address} onChange={(e) => setSmtp({ ...smtp, from_address: e.target.value })} /></label>
            <label>{t('mail.lang')}
              <select data-testid="mail-lang" value={mailLang} onChange={(e) => setMailLang(e.target.value)}>
                <option value="en">English</option><option value="de">Deutsch</option>
              </select></label>
          </div>
          <p className="muted small">{t('connections.keyringNote')}</p>
          <div className="row gap">
            <button className="primary" data-testid="smtp-save" onClick={() => void save()}>{t('common.save')}</button>
            {s && <span className="muted small" data-testid="mail-queue">{t('mail.queue', { pending: num(s.pending), failed: num(s.failed) })}</span>}
            <button data-testid="mail-send-now" onClick={() => void sendNow()}>{t('mail.sendNow')}</button>
          </div>
        </div>
      )}
      {s && s.channels.length > 0 && (
        <div className="card" data-testid="mail-channels">
          <p className="muted small">{t('mail.channelsHint')}</p>
          {s.channels.map((c) => (
            <label key={c.connection_id} className="row gap" data-testid="mail-channel">
              <input type="checkbox" data-testid="mail-channel-toggle" checked={c.email_customers} onChange={(e) => void toggle(c.connection_id, e.target.checked)} />
              {c.name}
            </label>
          ))}
        </div>
      )}
      <Templates />
    </div>
  );
}

function Templates() {
  const { t } = useI18n();
  const toast = useToast();
  const [kind, setKind] = useState('shipped');
  const [lang, setLang] = useState('en');
  const tpl = useQuery({ queryKey: ['mail-template', kind, lang], queryFn: () => api.mailTemplate(kind, lang), staleTime: 0 });
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [preview, setPreview] = useState<MailPreview | null>(null);
  const [to, setTo] = useState('');
  useEffect(() => {
    if (tpl.data) { setSubject(tpl.data.subject); setBody(tpl.data.body); setPreview(null); }
  }, [tpl.data]);
  const show = async () => {
    try { setPreview(await api.previewMail(kind, lang, null, subject, body)); } catch (e) { toast.error(e); }
  };
  const save = async () => {
    try { await api.saveMailTemplate(kind, lang, subject, body); toast.ok(t('mail.templateSaved')); await tpl.refetch(); } catch (e) { toast.error(e); }
  };
  const reset = async () => {
    try { await api.saveMailTemplate(kind, lang, '', ''); await tpl.refetch(); } catch (e) { toast.error(e); }
  };
  const test = async () => {
    try { await api.sendTestMail(to, kind, lang, subject, body); toast.ok(t('mail.testSent', { to })); } catch (e) { toast.error(e); }
  };
  return (
    <div className="card stack" data-testid="mail-templates">
      <div className="row gap">
        <label className="field"><span>{t('mail.template')}</span>
          <select data-testid="template-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {KINDS.map((k) => <option key={k} value={k}>{t(`mail.kind.${k}` as MessageKey)}</option>)}
          </select></label>
        <label className="field"><span>{t('mail.lang')}</span>
          <select data-testid="template-lang" value={lang} onChange={(e) => setLang(e.target.value)}>
            <option value="en">English</option><option value="de">Deutsch</option>
          </select></label>
        {tpl.data?.is_default && <span className="muted small">{t('mail.isDefault')}</span>}
      </div>
      <input className="full" data-testid="template-subject" value={subject} onChange={(e) => setSubject(e.target.value)} />
      <textarea className="full mono" rows={10} data-testid="template-body" value={body} onChange={(e) => setBody(e.target.value)} />
      <p className="muted small">{t('mail.placeholders')}: {(tpl.data?.placeholders ?? []).map((p) => `{{${p}}}`).join(' ')}</p>
      <div className="row gap wrap">
        <button data-testid="template-preview" onClick={() => void show()}>{t('mail.preview')}</button>
        <button className="primary" data-testid="template-save" onClick={() => void save()}>{t('common.save')}</button>
        <button onClick={() => void reset()}>{t('mail.reset')}</button>
        <span className="grow" />
        <input data-testid="test-to" placeholder={t('mail.testTo')} value={to} onChange={(e) => setTo(e.target.value)} />
        <button data-testid="test-send" disabled={!to.includes('@')} onClick={() => void test()}>{t('mail.testSend')}</button>
      </div>
      {preview && (
        <div className="card mail-preview" data-testid="mail-preview">
          <div className="strong">{preview.subject}</div>
          <pre className="small">{preview.body}</pre>
        </div>
      )}
    </div>
  );
}
