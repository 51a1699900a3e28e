import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { PipelineSettings } from '../api/bindings';
import { api } from '../api/client';
import { useI18n } from '../i18n';
import { useToast } from './toast';

/** The pipeline's rules as a screen edits them: a local copy, whether it differs from the saved
 * one, and saving it (the Rules and Routing screens each edit their part of it). */
export function usePipelineSettings() {
  const { t } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['pipeline-settings'], queryFn: api.pipelineSettings });
  const [s, setS] = useState<PipelineSettings | null>(null);
  useEffect(() => {
    if (q.data) setS(q.data);
  }, [q.data]);
  const dirty = s !== null && JSON.stringify(s) !== JSON.stringify(q.data);
  const save = async () => {
    if (!s) return;
    try {
      await api.savePipelineSettings(s);
      toast.ok(t('rules.saved'));
      await qc.invalidateQueries({ queryKey: ['pipeline-settings'] });
    } catch (e) {
      toast.error(e);
    }
  };
  return { s, setS, dirty, save };
}
