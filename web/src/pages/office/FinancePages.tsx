/**
 * Finance's pages: bank transfer receipts to confirm or reject, the invoices issued, and the money
 * reports (payments, refunds, invoices per Shanghai day) with their CSV export.
 */
import { DownloadOutlined } from "@ant-design/icons";
import {
  Alert,
  App,
  Button,
  Card,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from "antd";
import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type {
  FinanceReport,
  Invoice,
  InvoiceDay,
  PaymentDay,
  ReceiptStatus,
  RefundDay,
  TransferReceipt,
} from "../../api/types";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert, useErrorText } from "../../components/errors";
import { LongText } from "../../components/LongText";
import { useI18n, type I18n, type MessageKey } from "../../i18n";
import { dateOf, dateTimeOf, fileSize, yuan } from "../../lib/format";
import type { OfficeOrder } from "../../lib/office";
import { useProgrammes } from "./QueuePage";

const RECEIPT_COLOURS: Record<ReceiptStatus, string> = {
  submitted: "processing",
  confirmed: "success",
  rejected: "error",
};

type Decision = { kind: "confirm" | "reject"; receipt: TransferReceipt; order: string };

export function TransferReceiptsPage() {
  const { t } = useI18n();
  usePageTitle(t("finance.receipts"));
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [status, setStatus] = useState<ReceiptStatus | "all">("submitted");
  const receipts = useLoad(
    (signal) =>
      api.get<TransferReceipt[]>(
        `/api/transfer-receipts${status === "all" ? "" : `?status=${status}`}`,
        signal,
      ),
    [status],
  );
  // Receipts name their order by id; the office list gives its number and organisation.
  const orders = useLoad((signal) => api.get<OfficeOrder[]>("/api/office/orders", signal), []);
  const byId = useMemo(() => new Map((orders.data ?? []).map((o) => [o.id, o])), [orders.data]);
  const [decision, setDecision] = useState<Decision | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [form] = Form.useForm<{ reference?: string; amount?: number; reason?: string }>();

  function open(kind: Decision["kind"], receipt: TransferReceipt) {
    setError(undefined);
    form.resetFields();
    if (kind === "confirm") form.setFieldsValue({ amount: receipt.amountFen / 100 });
    setDecision({ kind, receipt, order: byId.get(receipt.orderId)?.number ?? receipt.orderId });
  }

  async function decide(values: { reference?: string; amount?: number; reason?: string }) {
    if (!decision) return;
    setBusy(true);
    setError(undefined);
    try {
      if (decision.kind === "confirm") {
        const r = await api.post<{ outcome: "paid" | "already-paid" }>(
          `/api/orders/${decision.receipt.orderId}/payments/bank-transfer`,
          { reference: (values.reference ?? "").trim(), amountFen: Math.round((values.amount ?? 0) * 100) },
        );
        void message.success(r.outcome === "paid" ? t("office.done.paid") : t("finance.alreadyPaid"));
      } else {
        await api.post(`/api/transfer-receipts/${decision.receipt.id}/reject`, {
          reason: (values.reason ?? "").trim(),
        });
        void message.success(t("finance.rejected"));
      }
      setDecision(undefined);
      await Promise.all([receipts.reload(), orders.reload()]);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeading
        title={t("finance.receipts")}
        sub={t("finance.receiptsSub")}
        extra={
          <>
            <Select<ReceiptStatus | "all">
              aria-label={t("finance.receiptStatus")}
              value={status}
              onChange={setStatus}
              style={{ minWidth: 120 }}
              options={[
                ...(["submitted", "confirmed", "rejected"] as const).map((s) => ({
                  value: s,
                  label: t(`finance.receipt.${s}`),
                })),
                { value: "all", label: t("platforms.allStatuses") },
              ]}
            />
            <Button onClick={() => void receipts.reload()}>{t("common.refresh")}</Button>
          </>
        }
      />
      <ErrorAlert error={receipts.error} onRetry={() => void receipts.reload()} />
      <Table<TransferReceipt>
        rowKey="id"
        size="middle"
        loading={receipts.loading}
        dataSource={receipts.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t("finance.noReceipts")} /> }}
        scroll={{ x: 1000 }}
        columns={[
          {
            title: t("finance.col.uploadedAt"),
            key: "uploadedAt",
            width: 150,
            render: (_, r) => dateTimeOf(r.uploadedAt),
          },
          {
            title: t("finance.col.order"),
            key: "order",
            render: (_, r) => {
              const o = byId.get(r.orderId);
              return (
                <div style={{ minWidth: 0 }}>
                  <Link to={`/office/orders/${r.orderId}`}>{o?.number ?? r.orderId}</Link>
                  {o?.organisation && (
                    <div>
                      <LongText text={o.organisation.name} maxWidth={240} />
                    </div>
                  )}
                </div>
              );
            },
          },
          {
            title: t("finance.col.terms"),
            key: "terms",
            width: 150,
            render: (_, r) => [r.plan, t("finance.col.years", { n: r.years })].filter(Boolean).join(" · "),
          },
          {
            title: t("finance.col.amount"),
            key: "amount",
            width: 110,
            align: "right",
            render: (_, r) => yuan(r.amountFen),
          },
          {
            title: t("finance.col.payer"),
            key: "payer",
            width: 160,
            render: (_, r) => <LongText text={r.payerAccount ?? "—"} maxWidth={150} />,
          },
          {
            title: t("finance.col.file"),
            key: "file",
            width: 180,
            render: (_, r) => (
              <a
                href={`/api/transfer-receipts/${r.id}/file`}
                target="_blank"
                rel="noreferrer"
                aria-label={t("finance.openReceipt", { name: r.filename })}
              >
                <LongText text={`${r.filename} (${fileSize(r.size)})`} maxWidth={170} />
              </a>
            ),
          },
          {
            title: t("finance.col.status"),
            key: "status",
            width: 160,
            render: (_, r) => (
              <>
                <Tag color={RECEIPT_COLOURS[r.status]}>{t(`finance.receipt.${r.status}`)}</Tag>
                {r.reason && (
                  <Typography.Paragraph type="secondary" style={{ margin: 0, overflowWrap: "anywhere" }}>
                    {r.reason}
                  </Typography.Paragraph>
                )}
              </>
            ),
          },
          {
            title: t("common.actions"),
            key: "actions",
            width: 200,
            render: (_, r) => {
              if (r.status !== "submitted") return null;
              const order = byId.get(r.orderId)?.number ?? r.orderId;
              return (
                <Space wrap>
                  <Button
                    size="small"
                    type="primary"
                    aria-label={t("finance.confirmLabel", { order })}
                    onClick={() => open("confirm", r)}
                  >
                    {t("finance.confirm")}
                  </Button>
                  <Button
                    size="small"
                    danger
                    aria-label={t("finance.rejectLabel", { order })}
                    onClick={() => open("reject", r)}
                  >
                    {t("finance.reject")}
                  </Button>
                </Space>
              );
            },
          },
        ]}
      />
      <Modal
        open={decision !== undefined}
        title={
          decision &&
          t(decision.kind === "confirm" ? "finance.confirmTitle" : "finance.rejectTitle", {
            order: decision.order,
          })
        }
        okText={decision?.kind === "reject" ? t("finance.rejectSubmit") : t("office.action.confirmTransfer")}
        okButtonProps={{ danger: decision?.kind === "reject" }}
        cancelText={t("office.cancel")}
        confirmLoading={busy}
        onOk={() => form.submit()}
        onCancel={() => setDecision(undefined)}
      >
        {error !== undefined && (
          <Alert type="error" showIcon role="alert" message={errorText(error)} style={{ marginBottom: 16 }} />
        )}
        <Form form={form} layout="vertical" onFinish={(v) => void decide(v)}>
          {decision?.kind === "confirm" ? (
            <>
              <Form.Item
                name="reference"
                label={t("office.reference")}
                rules={[{ required: true, whitespace: true, min: 4, message: t("office.referenceRequired") }]}
              >
                <Input maxLength={60} autoComplete="off" />
              </Form.Item>
              <Form.Item
                name="amount"
                label={t("office.amount")}
                rules={[{ required: true, message: t("office.amountRequired") }]}
                extra={decision && t("office.amountDue", { amount: yuan(decision.receipt.amountFen) })}
              >
                <InputNumber min={0} step={0.01} precision={2} style={{ width: 180 }} />
              </Form.Item>
            </>
          ) : (
            <Form.Item
              name="reason"
              label={t("finance.rejectReason")}
              rules={[{ required: true, whitespace: true, message: t("finance.rejectReasonRequired") }]}
            >
              <Input.TextArea rows={3} maxLength={500} showCount />
            </Form.Item>
          )}
          <button type="submit" hidden aria-hidden tabIndex={-1} />
        </Form>
      </Modal>
    </>
  );
}

// ---- reports -----------------------------------------------------------------------------------

type ReportName = "payments" | "refunds" | "invoices";

/** Today in Shanghai, and the day 30 days before: the server's own default range. */
function defaultRange(): { from: string; to: string } {
  const to = dateOf(new Date().toISOString());
  const d = new Date(`${to}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 30);
  return { from: d.toISOString().slice(0, 10), to };
}

function channelText(channel: string, t: I18n["t"]): string {
  return channel === "online" || channel === "bank-transfer"
    ? t(`finance.channel.${channel}` as MessageKey)
    : channel;
}

function query(range: { from: string; to: string }, programme: string | undefined, format?: "csv"): string {
  const q = new URLSearchParams({ from: range.from, to: range.to });
  if (programme) q.set("programme", programme);
  if (format) q.set("format", format);
  return q.toString();
}

export function FinanceReportsPage() {
  const { t, loc } = useI18n();
  usePageTitle(t("finance.reports"));
  const { message } = App.useApp();
  const errorText = useErrorText();
  const { programmes } = useProgrammes();
  const [range, setRange] = useState(defaultRange);
  const [programme, setProgramme] = useState<string | undefined>(undefined);
  const [tab, setTab] = useState<ReportName>("payments");
  const [exporting, setExporting] = useState(false);
  const valid = Boolean(range.from && range.to && range.from <= range.to);
  const report = useLoad(
    (signal) =>
      valid
        ? api.get<FinanceReport<PaymentDay | RefundDay | InvoiceDay>>(
            `/api/finance/${tab}?${query(range, programme)}`,
            signal,
          )
        : Promise.resolve(undefined),
    [tab, range.from, range.to, programme, valid],
  );
  const programmeName = (id: string) => loc(programmes.get(id)?.name) || id;

  async function exportCsv() {
    setExporting(true);
    try {
      const { blob, filename } = await api.download(`/api/finance/${tab}?${query(range, programme, "csv")}`);
      const name = filename ?? `${tab}-${range.from}-${range.to}.csv`;
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
      URL.revokeObjectURL(url);
      void message.success(t("finance.exported", { name }));
    } catch (e) {
      void message.error(errorText(e));
    } finally {
      setExporting(false);
    }
  }

  const rows = report.data?.rows ?? [];
  const common = {
    size: "small" as const,
    loading: report.loading,
    pagination: { pageSize: 50, hideOnSinglePage: true },
    locale: { emptyText: <Empty description={t("finance.noRows")} /> },
    scroll: { x: 800 },
  };
  const dayColumn = { title: t("finance.col.day"), dataIndex: "day", key: "day", width: 120 };
  const programmeColumn = {
    title: t("platforms.col.programme"),
    key: "programme",
    render: (_: unknown, r: { programme: string }) => (
      <LongText text={programmeName(r.programme)} maxWidth={260} />
    ),
  };
  const sum = <R,>(list: R[], pick: (r: R) => number) => list.reduce((s, r) => s + pick(r), 0);
  /** The totals row: the label over the first labelSpan columns, then one cell per value. */
  const totals = (labelSpan: number, values: React.ReactNode[]) => (
    <Table.Summary.Row>
      <Table.Summary.Cell index={0} colSpan={labelSpan}>
        <strong>{t("finance.total")}</strong>
      </Table.Summary.Cell>
      {values.map((v, i) => (
        <Table.Summary.Cell key={i} index={labelSpan + i} align="right">
          {v}
        </Table.Summary.Cell>
      ))}
    </Table.Summary.Row>
  );

  const tables: Record<ReportName, React.ReactNode> = {
    payments: (
      <Table<PaymentDay>
        {...common}
        rowKey={(r) => `${r.day}-${r.programme}-${r.channel}`}
        dataSource={rows as PaymentDay[]}
        columns={[
          dayColumn,
          programmeColumn,
          {
            title: t("finance.col.channel"),
            key: "channel",
            width: 120,
            render: (_, r) => channelText(r.channel, t),
          },
          { title: t("finance.col.count"), dataIndex: "count", width: 80, align: "right" },
          {
            title: t("finance.col.amount"),
            key: "amount",
            width: 130,
            align: "right",
            render: (_, r) => yuan(r.amountFen),
          },
          {
            title: t("finance.col.duplicates"),
            key: "duplicates",
            width: 200,
            align: "right",
            render: (_, r) => (r.duplicates > 0 ? `${r.duplicates} · ¥${yuan(r.duplicateFen)}` : "—"),
          },
        ]}
        summary={(list) =>
          list.length > 0 &&
          totals(3, [sum([...list], (r) => r.count), yuan(sum([...list], (r) => r.amountFen)), null])
        }
      />
    ),
    refunds: (
      <Table<RefundDay>
        {...common}
        rowKey={(r) => `${r.day}-${r.programme}-${r.channel}-${r.cause}`}
        dataSource={rows as RefundDay[]}
        columns={[
          dayColumn,
          programmeColumn,
          {
            title: t("finance.col.channel"),
            key: "channel",
            width: 120,
            render: (_, r) => channelText(r.channel, t),
          },
          { title: t("finance.col.cause"), dataIndex: "cause", width: 160 },
          { title: t("finance.col.count"), dataIndex: "count", width: 80, align: "right" },
          {
            title: t("finance.col.amount"),
            key: "amount",
            width: 130,
            align: "right",
            render: (_, r) => yuan(r.amountFen),
          },
        ]}
        summary={(list) =>
          list.length > 0 &&
          totals(4, [sum([...list], (r) => r.count), yuan(sum([...list], (r) => r.amountFen))])
        }
      />
    ),
    invoices: (
      <Table<InvoiceDay>
        {...common}
        rowKey={(r) => `${r.day}-${r.programme}`}
        dataSource={rows as InvoiceDay[]}
        columns={[
          dayColumn,
          programmeColumn,
          { title: t("finance.col.count"), dataIndex: "count", width: 80, align: "right" },
          {
            title: t("finance.col.net"),
            key: "net",
            width: 140,
            align: "right",
            render: (_, r) => yuan(r.netFen),
          },
          {
            title: t("finance.col.tax"),
            key: "tax",
            width: 120,
            align: "right",
            render: (_, r) => yuan(r.taxFen),
          },
          {
            title: t("finance.col.total"),
            key: "total",
            width: 140,
            align: "right",
            render: (_, r) => yuan(r.totalFen),
          },
        ]}
        summary={(list) =>
          list.length > 0 &&
          totals(2, [
            sum([...list], (r) => r.count),
            yuan(sum([...list], (r) => r.netFen)),
            yuan(sum([...list], (r) => r.taxFen)),
            yuan(sum([...list], (r) => r.totalFen)),
          ])
        }
      />
    ),
  };

  return (
    <>
      <PageHeading title={t("finance.reports")} sub={t("finance.reportsSub")} />
      <Card style={{ marginBottom: 16 }}>
        <Form layout="inline" style={{ rowGap: 8 }}>
          <Form.Item label={t("finance.from")} htmlFor="finance-from">
            <Input
              id="finance-from"
              type="date"
              value={range.from}
              max={range.to}
              onChange={(e) => setRange((r) => ({ ...r, from: e.target.value }))}
            />
          </Form.Item>
          <Form.Item label={t("finance.to")} htmlFor="finance-to">
            <Input
              id="finance-to"
              type="date"
              value={range.to}
              min={range.from}
              onChange={(e) => setRange((r) => ({ ...r, to: e.target.value }))}
            />
          </Form.Item>
          <Form.Item label={t("platforms.programme")} htmlFor="finance-programme">
            <Select<string>
              id="finance-programme"
              allowClear
              placeholder={t("finance.allProgrammes")}
              value={programme}
              onChange={(v) => setProgramme(v)}
              style={{ minWidth: 220 }}
              options={[...programmes.values()].map((p) => ({ value: p.id, label: loc(p.name) }))}
            />
          </Form.Item>
          <Form.Item>
            <Button
              icon={<DownloadOutlined aria-hidden />}
              loading={exporting}
              disabled={!valid}
              onClick={() => void exportCsv()}
            >
              {t("finance.exportCsv")}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      {!valid && (
        <Alert
          type="warning"
          showIcon
          role="alert"
          message={t("finance.rangeInvalid")}
          style={{ marginBottom: 16 }}
        />
      )}
      <ErrorAlert error={report.error} onRetry={() => void report.reload()} />
      <Tabs
        activeKey={tab}
        onChange={(k) => setTab(k as ReportName)}
        items={(["payments", "refunds", "invoices"] as const).map((name) => ({
          key: name,
          label: t(`finance.${name}`),
          children: tab === name ? tables[name] : null,
        }))}
      />
    </>
  );
}

// ---- invoices ----------------------------------------------------------------------------------

export function InvoicesPage() {
  const { t, loc } = useI18n();
  usePageTitle(t("invoices.title"));
  const { programmes } = useProgrammes();
  const invoices = useLoad((signal) => api.get<Invoice[]>("/api/invoices", signal), []);
  const orders = useLoad((signal) => api.get<OfficeOrder[]>("/api/office/orders", signal), []);
  const byId = useMemo(() => new Map((orders.data ?? []).map((o) => [o.id, o])), [orders.data]);
  const [search, setSearch] = useState("");
  const needle = search.trim().toLowerCase();
  const rows = (invoices.data ?? []).filter(
    (i) =>
      !needle ||
      [i.number, i.buyerName, i.buyerTaxNumber ?? "", byId.get(i.orderId)?.number ?? ""].some((v) =>
        v.toLowerCase().includes(needle),
      ),
  );

  return (
    <>
      <PageHeading
        title={t("invoices.title")}
        sub={t("invoices.sub")}
        extra={
          <>
            <Input.Search
              aria-label={t("invoices.search")}
              placeholder={t("invoices.search")}
              allowClear
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              style={{ width: 280 }}
            />
            <Button onClick={() => void invoices.reload()}>{t("common.refresh")}</Button>
          </>
        }
      />
      <ErrorAlert error={invoices.error} onRetry={() => void invoices.reload()} />
      <Table<Invoice>
        rowKey="id"
        size="middle"
        loading={invoices.loading}
        dataSource={rows}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t("invoices.none")} /> }}
        scroll={{ x: 1000 }}
        columns={[
          {
            title: t("invoices.col.number"),
            key: "number",
            width: 160,
            className: "nowrap",
            render: (_, i) => i.number,
          },
          {
            title: t("invoices.col.issuedOn"),
            key: "issuedOn",
            width: 120,
            render: (_, i) => dateOf(i.issuedOn),
          },
          {
            title: t("finance.col.order"),
            key: "order",
            width: 180,
            render: (_, i) => (
              <Link to={`/office/orders/${i.orderId}`}>{byId.get(i.orderId)?.number ?? i.orderId}</Link>
            ),
          },
          {
            title: t("invoices.col.buyer"),
            key: "buyer",
            render: (_, i) => (
              <div style={{ minWidth: 0 }}>
                <LongText text={i.buyerName} maxWidth={260} />
                {i.buyerTaxNumber && (
                  <div>
                    <Typography.Text type="secondary" className="nowrap">
                      {t("invoices.col.taxNumber")} {i.buyerTaxNumber}
                    </Typography.Text>
                  </div>
                )}
              </div>
            ),
          },
          {
            title: t("platforms.col.programme"),
            key: "programme",
            width: 180,
            render: (_, i) => <LongText text={loc(programmes.get(i.programmeId)?.name) || i.programmeId} />,
          },
          {
            title: t("invoices.col.rate"),
            key: "rate",
            width: 80,
            align: "right",
            render: (_, i) => `${i.taxRateBp / 100}%`,
          },
          {
            title: t("finance.col.total"),
            key: "total",
            width: 130,
            align: "right",
            render: (_, i) => yuan(i.totalFen),
          },
          {
            title: t("common.actions"),
            key: "pdf",
            width: 80,
            render: (_, i) => (
              <a
                href={`/api/invoices/${i.id}/pdf`}
                target="_blank"
                rel="noreferrer"
                aria-label={t("invoices.pdfLabel", { number: i.number })}
              >
                {t("invoices.pdf")}
              </a>
            ),
          },
        ]}
      />
    </>
  );
}
