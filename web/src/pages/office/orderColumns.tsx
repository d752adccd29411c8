/**
 * The back office's order columns, one set for every table of orders (the queues, production's
 * waiting orders, the search): number, organisation, credit code, service, programme, state,
 * created, deadline, and the applicant's courier number of mailed paper. A page names the columns
 * it shows and, where it must, their widths.
 */
import { ClockCircleOutlined, ExclamationCircleOutlined } from "@ant-design/icons";
import { Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import { Link } from "react-router-dom";
import type { Programme } from "../../api/types";
import { LongText } from "../../components/LongText";
import { StateTag } from "../../components/StateTag";
import { useI18n, type I18n, type MessageKey } from "../../i18n";
import { dateOf } from "../../lib/format";
import type { OfficeOrder } from "../../lib/office";

const DUE_KINDS = ["review", "production", "invoice", "refund-payment"] as const;

/** What a deadline is for, in words ("审核" / "review"). */
export function dueKindText(kind: string, t: I18n["t"]): string {
  return (DUE_KINDS as readonly string[]).includes(kind) ? t(`office.dueKind.${kind}` as MessageKey) : kind;
}

/** The working-day countdown: days left, or overdue in red with an icon and words. */
export function DueCell({ due }: { due: OfficeOrder["due"] }) {
  const { t } = useI18n();
  if (!due) return <Typography.Text type="secondary">—</Typography.Text>;
  if (due.overdue)
    return (
      <Typography.Text type="danger" strong>
        <ExclamationCircleOutlined aria-hidden /> {dueKindText(due.kind, t)} ·{" "}
        {t("office.due.overdue", { date: dateOf(due.on) })}
      </Typography.Text>
    );
  return (
    <span>
      <ClockCircleOutlined aria-hidden /> {dueKindText(due.kind, t)} ·{" "}
      {due.remainingWorkingDays === null
        ? t("office.due.on", { date: dateOf(due.on) })
        : t("office.due.left", { n: due.remainingWorkingDays, date: dateOf(due.on) })}
    </span>
  );
}

export type OrderColumn =
  | "number"
  | "organisation"
  | "uscc"
  | "service"
  | "programme"
  | "state"
  | "created"
  | "due"
  | "paperTracking";

const WIDTHS: Partial<Record<OrderColumn, number>> = {
  number: 180,
  uscc: 190,
  service: 140,
  programme: 200,
  state: 130,
  created: 110,
  due: 220,
  paperTracking: 220,
};

/** The columns named, in that order; `widths` overrides a default width. */
export function useOrderColumns(
  programmes: Map<string, Programme>,
  names: readonly OrderColumn[],
  widths: Partial<Record<OrderColumn, number>> = {},
): ColumnsType<OfficeOrder> {
  const { t, loc } = useI18n();
  const all: Record<OrderColumn, ColumnsType<OfficeOrder>[number]> = {
    number: {
      title: t("office.col.number"),
      render: (_, o) => <Link to={`/office/orders/${o.id}`}>{o.number}</Link>,
    },
    organisation: {
      title: t("office.col.organisation"),
      render: (_, o) => <LongText text={o.organisation?.name ?? "—"} maxWidth={260} />,
    },
    uscc: { title: t("search.uscc"), render: (_, o) => o.organisation?.uscc ?? "—" },
    service: {
      title: t("office.col.service"),
      render: (_, o) => loc(programmes.get(o.programmeId)?.services[o.service]?.name) || o.service,
    },
    programme: {
      title: t("office.col.programme"),
      render: (_, o) => <LongText text={loc(programmes.get(o.programmeId)?.name) || o.programmeId} />,
    },
    state: { title: t("office.col.state"), render: (_, o) => <StateTag state={o.state} /> },
    created: { title: t("search.created"), render: (_, o) => dateOf(o.createdAt) },
    due: { title: t("office.col.due"), render: (_, o) => <DueCell due={o.due} /> },
    paperTracking: {
      title: t("guards.office.paperTracking"),
      render: (_, o) =>
        o.paperTracking ? (
          <Typography.Text copyable={{ text: o.paperTracking.trackingNumber }}>
            {o.paperTracking.carrier} {o.paperTracking.trackingNumber}
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary">—</Typography.Text>
        ),
    },
  };
  return names.map((name) => {
    const width = widths[name] ?? WIDTHS[name];
    return { ...all[name], key: name, ...(width !== undefined ? { width } : {}) };
  });
}
