import type { OrderStatus, PaymentStatus } from '../api/bindings';
import { useI18n } from '../i18n';

export function StatusBadge({ status }: { status: OrderStatus }) {
  const { t } = useI18n();
  return <span className={`badge st-${status}`}>{t(`status.${status}`)}</span>;
}

export function PaymentBadge({ status }: { status: PaymentStatus }) {
  const { t } = useI18n();
  return <span className={`pay pay-${status}`}>{t(`payment.${status}`)}</span>;
}

export function Tags({ tags }: { tags: string[] }) {
  return (
    <span className="tags">
      {tags.map((tag) => (
        <span key={tag} className="tag">
          {tag}
        </span>
      ))}
    </span>
  );
}
