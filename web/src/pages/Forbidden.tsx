/**
 * The 403 page: a signed-in person on a page their roles do not open (the page's guard knows
 * which roles it needs, lib/officeAccess.ts), or one whose data the server refused with 403. It
 * names what is missing and leads back to the person's own start page.
 */
import { Button, Result, Space } from "antd";
import { useEffect } from "react";
import { useNavigate } from "react-router-dom";
import type { Actor } from "../api/types";
import { useI18n, type MessageKey } from "../i18n";
import type { StaffRole } from "../lib/office";

/** (The guard in auth.tsx shows this page: it is handed the actor rather than importing auth.) */
export function Forbidden({
  actor,
  needs,
  message,
}: {
  actor: Actor | null | undefined;
  needs?: readonly StaffRole[];
  message?: string;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  useEffect(() => {
    document.title = `${t("forbidden.title")} · ${t("app.name")}`;
  }, [t]);
  const names = (roles: readonly string[]) =>
    roles.map((r) => t(`role.${r}` as MessageKey)).join(t("common.listSeparator"));
  const mine = actor?.kind === "staff" ? actor.roles : [];
  const text = needs
    ? t("forbidden.roles", { roles: names(needs), mine: names(mine) })
    : t("forbidden.server", { message: (message ?? t("forbidden.title")).replace(/[。.]$/, "") });
  const home = actor?.kind === "applicant" ? "/portal" : actor?.kind === "staff" ? "/office" : "/";
  return (
    <Result
      status="403"
      title={<h1 style={{ margin: 0, fontSize: 24 }}>{t("forbidden.title")}</h1>}
      subTitle={text}
      extra={
        <Space wrap style={{ justifyContent: "center" }}>
          <Button type="primary" onClick={() => navigate(home)}>
            {t(actor?.kind === "applicant" ? "forbidden.backToPortal" : "forbidden.backToOffice")}
          </Button>
          <Button onClick={() => navigate(-1)}>{t("forbidden.back")}</Button>
        </Space>
      }
    />
  );
}
