/**
 * Production in the back office: start a batch (制证批次) for the orders waiting for their keys, and
 * follow it live (the batch is polled while it runs): each key made, being made, failed (with the
 * reason) or carried on from an earlier run; a failed batch is resumed from here.
 */
import { CheckCircleFilled, CloseCircleFilled, LoadingOutlined, RedoOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Descriptions, Empty, Progress, Space, Table, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Staff } from "../../auth";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert, useErrorText } from "../../components/errors";
import { useI18n, type MessageKey } from "../../i18n";
import { dateTimeOf } from "../../lib/format";
import { byDue, type OfficeOrder } from "../../lib/office";
import { useOrderColumns } from "./orderColumns";
import { useProgrammes } from "./QueuePage";

type KeyStatus = "made" | "making" | "failed" | "waiting";

/** GET /api/production/batches/:id (src/server/routes/keys.ts). */
export interface BatchView {
  id: string;
  state: "planned" | "running" | "done" | "failed";
  station: string;
  total: number;
  done: number;
  error: string | null;
  errorMessage: { "zh-CN": string; en: string } | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  runs: number;
  running?: boolean;
  keys: {
    id: string;
    orderId: string;
    orderNumber: string;
    label: string;
    serial: string | null;
    step: string;
    certificateSerial: string | null;
    status: KeyStatus;
    resumed: boolean;
  }[];
}

/** How often a running batch is looked at again. */
const POLL_MS = 1000;

function BatchStateTag({ state }: { state: string }) {
  const { t } = useI18n();
  const color = { planned: "default", running: "processing", done: "success", failed: "error" }[state];
  return <Tag color={color}>{t(`production.state.${state}` as MessageKey)}</Tag>;
}

/** The batches page: orders waiting for their keys (pick and start) and the batches so far. */
export function ProductionPage({ actor }: { actor: Staff }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const navigate = useNavigate();
  usePageTitle(t("production.title"));
  const { programmes } = useProgrammes();
  const orders = useLoad((signal) => api.get<OfficeOrder[]>("/api/office/orders", signal), []);
  const batches = useLoad((signal) => api.get<BatchView[]>("/api/production/batches", signal), []);
  const waiting = (orders.data ?? []).filter((o) => o.pendingStep === "production").sort(byDue);
  const [chosen, setChosen] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const mayStart = actor.roles.includes("production") || actor.roles.includes("admin");
  const orderColumns = useOrderColumns(programmes, ["number", "organisation", "service", "due"]);

  async function start() {
    setBusy(true);
    try {
      const batch = await api.post<BatchView>("/api/production/batches", { orderIds: chosen });
      message.success(t("production.started", { n: batch.total }));
      navigate(`/office/production/${batch.id}`);
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeading
        title={t("production.title")}
        sub={t("production.sub")}
        extra={
          <Button
            onClick={() => {
              void orders.reload();
              void batches.reload();
            }}
          >
            {t("common.refresh")}
          </Button>
        }
      />
      <ErrorAlert error={orders.error ?? batches.error} onRetry={() => void orders.reload()} />
      <Card title={<h2 className="card-title">{t("production.waiting")}</h2>}>
        <Table<OfficeOrder>
          rowKey="id"
          size="middle"
          loading={orders.loading}
          dataSource={waiting}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          locale={{ emptyText: <Empty description={t("production.noneWaiting")} /> }}
          rowSelection={{
            selectedRowKeys: chosen,
            onChange: (keys) => setChosen(keys.map(String)),
            columnTitle: t("production.chooseCol"),
          }}
          scroll={{ x: 800 }}
          columns={[
            ...orderColumns.slice(0, 3),
            {
              title: t("production.col.keys"),
              key: "keys",
              width: 90,
              render: (_, o) => (o.service === "new" ? Number(o.details.keys ?? 1) : 1),
            },
            ...orderColumns.slice(3),
          ]}
        />
        <Space style={{ marginTop: 12 }} wrap>
          <Button
            type="primary"
            disabled={!mayStart || chosen.length === 0}
            loading={busy}
            onClick={() => void start()}
          >
            {t("production.start", { n: chosen.length })}
          </Button>
          {!mayStart && <Typography.Text type="secondary">{t("production.productionOnly")}</Typography.Text>}
        </Space>
      </Card>
      <Card title={<h2 className="card-title">{t("production.batches")}</h2>} style={{ marginTop: 16 }}>
        <Table<BatchView>
          rowKey="id"
          size="small"
          loading={batches.loading}
          dataSource={batches.data ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: <Empty description={t("production.noBatches")} /> }}
          scroll={{ x: 640 }}
          columns={[
            {
              title: t("production.col.batch"),
              key: "id",
              render: (_, b) => <Link to={`/office/production/${b.id}`}>{b.id.slice(0, 8)}</Link>,
            },
            {
              title: t("production.col.state"),
              key: "state",
              render: (_, b) => <BatchStateTag state={b.state} />,
            },
            { title: t("production.col.progress"), key: "done", render: (_, b) => `${b.done} / ${b.total}` },
            { title: t("production.col.created"), key: "at", render: (_, b) => dateTimeOf(b.createdAt) },
            { title: t("production.col.by"), key: "by", render: (_, b) => b.createdBy },
          ]}
        />
      </Card>
    </>
  );
}

function KeyStatusCell({ status, resumed }: { status: KeyStatus; resumed: boolean }) {
  const { t } = useI18n();
  const icon = {
    made: <CheckCircleFilled aria-hidden style={{ color: "#389e0d" }} />,
    making: <LoadingOutlined aria-hidden />,
    failed: <CloseCircleFilled aria-hidden style={{ color: "#cf1322" }} />,
    waiting: null,
  }[status];
  return (
    <Space size={4} wrap>
      {icon}
      <span>{t(`production.key.${status}` as MessageKey)}</span>
      {resumed && (
        <Tag icon={<RedoOutlined aria-hidden />} color="blue">
          {t("production.key.resumed")}
        </Tag>
      )}
    </Space>
  );
}

/** One batch, followed live while it runs. */
export function ProductionBatchPage({ actor }: { actor: Staff }) {
  const { t, locale } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const { batchId } = useParams();
  usePageTitle(t("production.batchTitle"));
  const batch = useLoad(
    (signal) => api.get<BatchView>(`/api/production/batches/${batchId ?? ""}`, signal),
    [batchId],
  );
  const view = batch.data;
  const live = view !== undefined && (view.state === "running" || view.running === true);
  const reload = batch.reload;
  useEffect(() => {
    if (!live) return;
    const timer = setTimeout(() => void reload(), POLL_MS);
    return () => clearTimeout(timer);
  }, [live, view, reload]);
  const [busy, setBusy] = useState(false);
  const mayRun = actor.roles.includes("production") || actor.roles.includes("admin");

  async function resume() {
    setBusy(true);
    try {
      await api.post(`/api/production/batches/${batchId ?? ""}/resume`);
      await batch.reload();
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const percent = view && view.total > 0 ? Math.round((100 * view.done) / view.total) : 0;
  const made = view?.keys.filter((k) => k.status === "made").length ?? 0;
  const failed = view?.keys.filter((k) => k.status === "failed").length ?? 0;
  const resumed = view?.keys.filter((k) => k.resumed).length ?? 0;
  return (
    <>
      <PageHeading
        title={t("production.batchTitle")}
        sub={batchId}
        extra={<Link to="/office/production">{t("production.backToBatches")}</Link>}
      />
      <ErrorAlert error={batch.error} onRetry={() => void batch.reload()} />
      {view && (
        <Card>
          <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }}>
            <Descriptions.Item label={t("production.col.state")}>
              <BatchStateTag state={view.state} />
            </Descriptions.Item>
            <Descriptions.Item label={t("production.station")}>{view.station}</Descriptions.Item>
            <Descriptions.Item label={t("production.col.created")}>
              {dateTimeOf(view.createdAt)} · {view.createdBy}
            </Descriptions.Item>
          </Descriptions>
          <Progress
            percent={percent}
            status={view.state === "failed" ? "exception" : view.state === "done" ? "success" : "active"}
            aria-label={t("production.progressLabel")}
          />
          <Typography.Paragraph role="status" aria-live="polite">
            {t("production.summary", { made, total: view.total, failed, resumed })}
          </Typography.Paragraph>
          {view.errorMessage && (
            <Alert
              type="error"
              showIcon
              role="alert"
              message={t("production.failedTitle")}
              description={view.errorMessage[locale]}
              action={
                mayRun && !live ? (
                  <Button loading={busy} onClick={() => void resume()}>
                    {t("production.resume")}
                  </Button>
                ) : undefined
              }
              style={{ marginBottom: 16 }}
            />
          )}
          {view.state === "done" && (
            <Alert
              type="success"
              showIcon
              message={t("production.doneTitle")}
              description={t("production.doneHint")}
              action={<Link to="/office/queue/shipping">{t("office.queue.shipping")}</Link>}
              style={{ marginBottom: 16 }}
            />
          )}
          <Table
            rowKey="id"
            size="small"
            dataSource={view.keys}
            pagination={false}
            scroll={{ x: 760 }}
            columns={[
              { title: t("production.col.label"), key: "label", render: (_, k) => k.label },
              {
                title: t("office.col.number"),
                key: "order",
                render: (_, k) => <Link to={`/office/orders/${k.orderId}`}>{k.orderNumber}</Link>,
              },
              {
                title: t("production.col.status"),
                key: "status",
                render: (_, k) => <KeyStatusCell status={k.status} resumed={k.resumed} />,
              },
              {
                title: t("production.col.step"),
                key: "step",
                render: (_, k) => t(`production.step.${k.step}` as MessageKey),
              },
              { title: t("production.col.serial"), key: "serial", render: (_, k) => k.serial ?? "—" },
              {
                title: t("production.col.certificate"),
                key: "certificate",
                render: (_, k) => k.certificateSerial ?? "—",
              },
            ]}
          />
        </Card>
      )}
    </>
  );
}
