/**
 * The materials of an order, as the programme lists them: what each must be, the pre-filled form to
 * download, the scan to upload (and what is on file), and a reviewer's reason beside the one it names.
 */
import { CameraOutlined, DownloadOutlined, FileDoneOutlined, UploadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Space, Tag, Typography } from "antd";
import { useRef, useState } from "react";
import { api, isApiError } from "../../api/client";
import type { Material, Order, Programme, UploadedMaterial } from "../../api/types";
import { overLimit, useUploadLimits } from "../../api/uploads";
import { MaterialRequirements } from "../../components/MaterialRequirements";
import { useErrorText } from "../../components/errors";
import { useI18n } from "../../i18n";
import { dateTimeOf, fileSize } from "../../lib/format";
import { mailed, materialApplies, uploadable, UPLOAD_STATES } from "../../lib/programme";

const EXTENSIONS: Record<string, string> = { pdf: ".pdf", jpg: ".jpg,.jpeg", png: ".png", ofd: ".ofd" };
const MIME: Record<string, string> = { pdf: "application/pdf", jpg: "image/*", png: "image/*" };

/** What the file picker offers: the types by name and by MIME type, so a phone offers its camera and files. */
export function acceptOf(types: readonly string[]): string {
  const all = types.flatMap((x) => [EXTENSIONS[x], MIME[x]]).filter((x): x is string => Boolean(x));
  return [...new Set(all)].join(",");
}

export function MaterialsCard({
  order,
  programme,
  uploaded,
  rejected,
  toReplace = [],
  onChanged,
}: {
  order: Order;
  programme: Programme;
  uploaded: UploadedMaterial[];
  /** Per material id, the reviewer's reason. */
  rejected: Record<string, string>;
  /** Rejected materials still holding the rejected scan. */
  toReplace?: string[];
  onChanged(): void;
}) {
  const { t } = useI18n();
  const def = programme.services[order.service];
  const materials = (def?.materials ?? []).filter((m) => materialApplies(m, order.details) !== "no");
  if (materials.length === 0) return null;
  const editable = (UPLOAD_STATES as readonly string[]).includes(order.state);
  return (
    <Card title={<h2 className="card-title">{t("materials.title")}</h2>} style={{ marginBottom: 16 }}>
      {materials.map((m, i) => (
        <MaterialRow
          key={m.id}
          order={order}
          programme={programme}
          material={m}
          current={uploaded.find((u) => u.materialId === m.id)}
          rejection={rejected[m.id]}
          stale={toReplace.includes(m.id)}
          editable={editable}
          onChanged={onChanged}
          last={i === materials.length - 1}
        />
      ))}
    </Card>
  );
}

function MaterialRow({
  order,
  programme,
  material,
  current,
  rejection,
  stale,
  editable,
  onChanged,
  last,
}: {
  order: Order;
  programme: Programme;
  material: Material;
  current: UploadedMaterial | undefined;
  rejection: string | undefined;
  stale: boolean;
  editable: boolean;
  onChanged(): void;
  last: boolean;
}) {
  const { t, loc } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const input = useRef<HTMLInputElement>(null);
  const camera = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [formNote, setFormNote] = useState<string | undefined>(undefined);
  const name = loc(material.name);
  const limits = useUploadLimits();
  const photographable = material.acceptedFileTypes.some((x) => x === "jpg" || x === "png");

  const upload = async (file: File) => {
    setError(undefined);
    if (overLimit(file, limits)) {
      setError(t("upload.tooLarge", { limit: limits!.maxMb }));
      for (const el of [input.current, camera.current]) if (el) el.value = "";
      return;
    }
    setBusy(true);
    try {
      await api.upload(`/api/orders/${order.id}/materials/${material.id}`, file);
      void message.success(t("materials.uploaded", { material: name }));
      onChanged();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
      for (const el of [input.current, camera.current]) if (el) el.value = "";
    }
  };

  const download = async () => {
    if (!material.template) return;
    setFormNote(undefined);
    try {
      const { blob, filename } = await api.download(`/api/orders/${order.id}/forms/${material.template.id}`);
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = filename ?? `${material.template.id}-${order.number}.pdf`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      // The route may not exist yet on this server: say so plainly, with whom to call.
      setFormNote(
        isApiError(e) && e.status === 404
          ? t("materials.formNotAvailable", { phone: programme.contacts.phone })
          : errorText(e),
      );
    }
  };

  return (
    <section
      aria-label={name}
      style={{ padding: "12px 0", borderBottom: last ? undefined : "1px solid rgba(5,5,5,0.06)" }}
    >
      <div style={{ display: "flex", gap: 16, flexWrap: "wrap", justifyContent: "space-between" }}>
        <div style={{ flex: "1 1 420px", minWidth: 0 }}>
          <Space wrap size={4}>
            <Typography.Text strong>{name}</Typography.Text>
            {uploadable(material) && <Tag color="blue">{t("materials.tagUpload")}</Tag>}
            {mailed(material) && <Tag color="orange">{t("materials.tagMail")}</Tag>}
            {stale ? (
              <Tag color="error">{t("order.rejectedNotReplaced")}</Tag>
            ) : (
              current && (
                <Tag color="success" icon={<FileDoneOutlined aria-hidden />}>
                  {t("materials.onFile")}
                </Tag>
              )
            )}
          </Space>
          <MaterialRequirements material={material} />
        </div>
        <div style={{ flex: "0 1 320px", minWidth: 0 }}>
          <Space direction="vertical" size={8} style={{ width: "100%" }}>
            {material.template && (
              <Button
                icon={<DownloadOutlined aria-hidden />}
                onClick={download}
                aria-label={t("materials.downloadFormOf", { material: name })}
              >
                {t(material.template.prefilled ? "materials.downloadPrefilled" : "materials.downloadForm")}
              </Button>
            )}
            {uploadable(material) && editable && (
              <>
                <input
                  ref={input}
                  type="file"
                  hidden
                  aria-hidden
                  tabIndex={-1}
                  accept={acceptOf(material.acceptedFileTypes)}
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    if (file) void upload(file);
                  }}
                />
                {photographable && (
                  // A phone opens its camera here; a desktop browser its file picker.
                  <input
                    ref={camera}
                    type="file"
                    hidden
                    aria-hidden
                    tabIndex={-1}
                    accept="image/*"
                    capture="environment"
                    onChange={(e) => {
                      const file = e.target.files?.[0];
                      if (file) void upload(file);
                    }}
                  />
                )}
                <Button
                  type={current && !stale ? "default" : "primary"}
                  icon={<UploadOutlined aria-hidden />}
                  loading={busy}
                  onClick={() => input.current?.click()}
                  aria-label={t(current ? "materials.replaceOf" : "materials.uploadOf", { material: name })}
                >
                  {t(current ? "materials.replace" : "materials.upload")}
                </Button>
                {photographable && (
                  <Button
                    icon={<CameraOutlined aria-hidden />}
                    disabled={busy}
                    onClick={() => camera.current?.click()}
                    aria-label={t("materials.photographOf", { material: name })}
                  >
                    {t("materials.photograph")}
                  </Button>
                )}
              </>
            )}
            {current && (
              <Typography.Text type="secondary" style={{ overflowWrap: "anywhere" }}>
                <a href={`/api/materials/${current.id}`} target="_blank" rel="noreferrer">
                  {current.filename}
                </a>{" "}
                · {fileSize(current.size)} · {dateTimeOf(current.uploadedAt)}
              </Typography.Text>
            )}
          </Space>
        </div>
      </div>
      {rejection && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 8 }}
          message={t("order.fixThis", { reason: rejection })}
        />
      )}
      {error && <Alert type="error" showIcon role="alert" style={{ marginTop: 8 }} message={error} />}
      {formNote && <Alert type="info" showIcon role="status" style={{ marginTop: 8 }} message={formNote} />}
    </section>
  );
}
