/** The admin's pages: a programme's data edited as JSON (checked by the server), and the audit chain check. */
import { CheckCircleOutlined, CloseCircleOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Input, Result, Select, Typography } from "antd";
import { useEffect, useState } from "react";
import { api, isApiError } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Programme } from "../../api/types";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert, useErrorText } from "../../components/errors";
import { useI18n } from "../../i18n";

/** "name.en: Invalid input; rules.validityYears: Too small" → one line per path. */
export function issuesOf(detail: string): { path: string; message: string }[] {
  return detail
    .split(/;\s+/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(": ");
      return at > 0 ? { path: part.slice(0, at), message: part.slice(at + 2) } : { path: "", message: part };
    });
}

export function ProgrammesPage() {
  const { t, loc } = useI18n();
  usePageTitle(t("office.programmes"));
  const { message } = App.useApp();
  const errorText = useErrorText();
  const list = useLoad((signal) => api.get<Programme[]>("/api/programmes", signal), []);
  const [id, setId] = useState<string | undefined>(undefined);
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const chosen = id ?? list.data?.[0]?.id;

  useEffect(() => {
    const programme = list.data?.find((p) => p.id === chosen);
    if (programme) setText(JSON.stringify(programme, null, 2));
    setError(undefined);
  }, [chosen, list.data]);

  async function save() {
    setError(undefined);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setError(new SyntaxError((e as Error).message));
      return;
    }
    setSaving(true);
    try {
      const saved = await api.put<{ id: string; version: number }>(`/api/programmes/${chosen}`, body);
      void message.success(t("office.programmeSaved", { version: saved.version }));
      await list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  }

  const detail =
    isApiError(error) && typeof error.params.detail === "string" ? error.params.detail : undefined;
  return (
    <>
      <PageHeading
        title={t("office.programmes")}
        extra={
          <>
            <Select
              aria-label={t("office.programme")}
              style={{ minWidth: 260 }}
              value={chosen}
              onChange={setId}
              options={(list.data ?? []).map((p) => ({ value: p.id, label: loc(p.name) }))}
            />
            <Button type="primary" loading={saving} disabled={!chosen} onClick={() => void save()}>
              {t("office.programmeSave")}
            </Button>
          </>
        }
      />
      <ErrorAlert error={list.error} onRetry={() => void list.reload()} />
      <Typography.Paragraph type="secondary">{t("office.programmeHint")}</Typography.Paragraph>
      {error !== undefined && (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 16 }}
          message={
            error instanceof SyntaxError
              ? t("office.jsonInvalid", { reason: error.message })
              : detail
                ? t("office.programmeInvalid")
                : errorText(error)
          }
          description={
            detail && (
              <ul className="requirements">
                {issuesOf(detail).map((issue, i) => (
                  <li key={i}>
                    {issue.path && <Typography.Text code>{issue.path}</Typography.Text>} {issue.message}
                  </li>
                ))}
              </ul>
            )
          }
        />
      )}
      <Card>
        <Input.TextArea
          aria-label={t("office.programmeJson")}
          value={text}
          onChange={(e) => setText(e.target.value)}
          rows={24}
          spellCheck={false}
          className="code-editor"
        />
      </Card>
    </>
  );
}

type ChainCheck =
  | { ok: true; rows: number; headHash: string }
  | { ok: false; rows: number; seq: string; problem: "hash" | "link" | "gap" | "head" };

export function AuditCheckPage() {
  const { t } = useI18n();
  usePageTitle(t("office.auditCheck"));
  const check = useLoad((signal) => api.get<ChainCheck>("/api/audit/verify", signal), []);
  return (
    <>
      <PageHeading
        title={t("office.auditCheck")}
        extra={
          <Button loading={check.loading} onClick={() => void check.reload()}>
            {t("office.auditRecheck")}
          </Button>
        }
      />
      <ErrorAlert error={check.error} onRetry={() => void check.reload()} />
      {check.data && (
        <Result
          status={check.data.ok ? "success" : "error"}
          icon={check.data.ok ? <CheckCircleOutlined aria-hidden /> : <CloseCircleOutlined aria-hidden />}
          title={
            check.data.ok
              ? t("office.auditOk", { n: check.data.rows })
              : t("office.auditBroken", { seq: check.data.seq, problem: check.data.problem })
          }
          subTitle={
            check.data.ok && (
              <Typography.Text code style={{ overflowWrap: "anywhere" }}>
                {check.data.headHash}
              </Typography.Text>
            )
          }
        />
      )}
    </>
  );
}
