/**
 * Programme B's payment by bank transfer: the applicant uploads the transfer receipt from the order
 * page, stating the plan and term the order holds, and follows finance's review of each receipt
 * (waiting, confirmed, returned with the reason).
 */
import { UploadOutlined } from "@ant-design/icons";
import { Alert, App, Button, List, Space, Tag, Typography } from "antd";
import { useRef, useState } from "react";
import { api } from "../../api/client";
import type { Order, Programme } from "../../api/types";
import { overLimit, useUploadLimits } from "../../api/uploads";
import { useErrorText } from "../../components/errors";
import { useI18n } from "../../i18n";
import { dateTimeOf, termText, yuan } from "../../lib/format";
import { acceptOf } from "./MaterialsCard";

export interface TransferReceipt {
  id: string;
  filename: string;
  plan: string | null;
  years: number;
  amountFen: number;
  status: "submitted" | "confirmed" | "rejected";
  reason: string | null;
  uploadedAt: string;
  decidedAt: string | null;
}

const STATUS_COLOUR = { submitted: "processing", confirmed: "success", rejected: "error" } as const;

export function TransferReceipts({
  order,
  programme,
  receipts,
  onChanged,
}: {
  order: Order;
  programme: Programme;
  receipts: TransferReceipt[];
  onChanged(): void;
}) {
  const { t, loc } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const limits = useUploadLimits();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const term = programme.tariff.term;
  const planName = (id: string | null | undefined) =>
    (id && term?.kind === "plans" && loc(term.plans.find((p) => p.id === id)?.name)) || id || "";
  // A basket of several plans is paid at once: the receipt names its first line's plan and term
  // (the server takes any line of the order), never no plan at all, which no line matches.
  const first = order.details.lines?.[0];
  const years = first?.years ?? order.details.years ?? 1;
  const plan = first?.plan ?? order.details.plan;
  const waiting = receipts.some((r) => r.status === "submitted");
  const canUpload = order.state === "awaiting_payment" && !waiting;

  const upload = async (file: File) => {
    setError(undefined);
    if (input.current) input.current.value = "";
    if (overLimit(file, limits)) return setError(t("upload.tooLarge", { limit: limits!.maxMb }));
    setBusy(true);
    try {
      const query = new URLSearchParams({ years: String(years), ...(plan ? { plan } : {}) });
      await api.upload(`/api/orders/${order.id}/transfer-receipts?${query}`, file);
      void message.success(t("receipt.uploaded"));
      onChanged();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label={t("receipt.title")} style={{ marginTop: 16 }}>
      <Typography.Title level={3} style={{ fontSize: 15, marginTop: 0 }}>
        {t("receipt.title")}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t("receipt.states", {
          plan: plan ? planName(plan) : "—",
          term: termText(years, t),
          amount: yuan(order.totalFen),
        })}
      </Typography.Paragraph>
      {receipts.length > 0 && (
        <List
          size="small"
          bordered
          style={{ marginBottom: 12 }}
          dataSource={receipts}
          renderItem={(r) => (
            <List.Item>
              <Space direction="vertical" size={2} style={{ minWidth: 0, width: "100%" }}>
                <Space wrap size={4}>
                  <Tag color={STATUS_COLOUR[r.status]}>{t(`receipt.status.${r.status}`)}</Tag>
                  <a href={`/api/transfer-receipts/${r.id}/file`} target="_blank" rel="noreferrer">
                    <span style={{ overflowWrap: "anywhere" }}>{r.filename}</span>
                  </a>
                </Space>
                <Typography.Text type="secondary">
                  {t("receipt.uploadedAt", { at: dateTimeOf(r.uploadedAt) })}
                  {r.decidedAt ? ` · ${t("receipt.decidedAt", { at: dateTimeOf(r.decidedAt) })}` : ""}
                </Typography.Text>
                {r.status === "submitted" && <Typography.Text>{t("receipt.waiting")}</Typography.Text>}
                {r.status === "rejected" && r.reason && (
                  <Typography.Text type="danger">
                    {t("receipt.returned", { reason: r.reason })}
                  </Typography.Text>
                )}
              </Space>
            </List.Item>
          )}
        />
      )}
      {canUpload && (
        <>
          <input
            ref={input}
            type="file"
            hidden
            aria-hidden
            tabIndex={-1}
            accept={acceptOf(["pdf", "jpg", "png"])}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void upload(file);
            }}
          />
          <Button
            type="primary"
            icon={<UploadOutlined aria-hidden />}
            loading={busy}
            onClick={() => input.current?.click()}
          >
            {t(receipts.some((r) => r.status === "rejected") ? "receipt.uploadAgain" : "receipt.upload")}
          </Button>
        </>
      )}
      {error && <Alert type="error" showIcon role="alert" style={{ marginTop: 8 }} message={error} />}
    </section>
  );
}
