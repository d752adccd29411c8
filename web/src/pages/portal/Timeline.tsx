/** The order's history, newest first: state changes with time and actor, tracking numbers, reasons. */
import { Tag, Timeline, Typography } from "antd";
import type { AuditEntry, Material, OrderState } from "../../api/types";
import { stateKey } from "../../components/StateTag";
import { useI18n } from "../../i18n";
import { dateTimeOf } from "../../lib/format";
import { timelineOf } from "../../lib/timeline";

export function OrderTimeline({
  entries,
  myUserId,
  materials,
}: {
  entries: AuditEntry[];
  myUserId: string;
  materials: Material[];
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const lines = timelineOf(entries, { myUserId, materials, i18n }).reverse();
  return (
    <Timeline
      items={lines.map((line) => ({
        key: line.key,
        color: line.tone === "bad" ? "red" : line.tone === "good" ? "green" : "blue",
        children: (
          <div>
            <Typography.Text strong>{line.title}</Typography.Text>
            {line.toState && <Tag style={{ marginLeft: 8 }}>{t(stateKey(line.toState as OrderState))}</Tag>}
            <div>
              <Typography.Text type="secondary">
                <time dateTime={line.at}>{dateTimeOf(line.at)}</time> · {line.actor}
              </Typography.Text>
            </div>
            {line.details.map((d, i) => (
              <div key={i} style={{ overflowWrap: "anywhere" }}>
                {d}
              </div>
            ))}
          </div>
        ),
      }))}
    />
  );
}
