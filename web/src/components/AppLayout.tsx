/**
 * The frame of every page: the desk's name, the navigation for who is signed in, the language
 * switch and sign-out; the page below, at most 1200 px wide so a laptop (1366×768) shows it whole.
 */
import { LogoutOutlined, MenuOutlined, SafetyCertificateOutlined, UserOutlined } from "@ant-design/icons";
import { Button, Drawer, Layout, Menu, Space, Spin, Typography } from "antd";
import { Suspense, useEffect, useState, type ReactNode } from "react";
import { Link, Outlet, useLocation, useNavigate } from "react-router-dom";
import { useAuth } from "../auth";
import { useI18n, type MessageKey } from "../i18n";
import { queuesFor } from "../lib/office";
import { mayOpenOfficePage } from "../lib/officeAccess";
import { LanguageSwitch } from "./LanguageSwitch";
import { LongText } from "./LongText";

export interface NavItem {
  key: string;
  label: MessageKey;
}

const PUBLIC_NAV: NavItem[] = [
  { key: "/", label: "nav.home" },
  { key: "/guides", label: "nav.guides" },
];
const APPLICANT_NAV: NavItem[] = [
  { key: "/portal", label: "nav.portal" },
  { key: "/portal/apply", label: "nav.apply" },
  { key: "/portal/usb-key", label: "nav.usbKey" },
  { key: "/guides", label: "nav.guides" },
];

/** Staff: their desk, the queues their roles work, and the admin's pages. */
function staffNav(roles: readonly string[]): NavItem[] {
  return [
    { key: "/office", label: "nav.office" },
    ...queuesFor(roles).map((q) => ({ key: `/office/queue/${q.id}`, label: q.label })),
    ...[
      { key: "/office/programmes", label: "office.programmes" as const },
      { key: "/office/audit", label: "office.auditCheck" as const },
    ].filter((i) => mayOpenOfficePage(roles, i.key)),
    // Last, so that an admin's narrow window folds these (also linked from the desk) first.
    ...officePagesFor(roles),
  ];
}

/** The back office's own pages beyond the queues, by role (lib/officeAccess.ts): also the desk's shortcuts. */
export function officePagesFor(roles: readonly string[]): NavItem[] {
  return [
    { key: "/office/search", label: "search.title" as const },
    { key: "/office/production", label: "production.title" as const },
    { key: "/office/receipts", label: "finance.receipts" as const },
    { key: "/office/invoices", label: "invoices.title" as const },
    { key: "/office/finance", label: "finance.reports" as const },
    { key: "/office/messages", label: "messages.title" as const },
    { key: "/office/platforms", label: "platforms.title" as const },
  ].filter((i) => mayOpenOfficePage(roles, i.key));
}

/** The nav entry a path belongs to: the longest key that prefixes it. */
function selectedKey(items: NavItem[], path: string): string[] {
  const match = items
    // The home entries ("/", "/office") are selected on their own page only.
    .filter((i) =>
      i.key === "/" || i.key === "/office" ? path === i.key : path === i.key || path.startsWith(`${i.key}/`),
    )
    .sort((a, b) => b.key.length - a.key.length)[0];
  return match ? [match.key] : [];
}

export function AppLayout() {
  const { t } = useI18n();
  const { actor, signOut } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const [drawer, setDrawer] = useState(false);
  const items =
    actor?.kind === "applicant"
      ? APPLICANT_NAV
      : actor?.kind === "staff"
        ? staffNav(actor.roles)
        : PUBLIC_NAV;
  // A phone's menu closes when a page is chosen.
  useEffect(() => setDrawer(false), [location.pathname]);
  // Leave the guarded page first: signed out on it, its guard would send us to sign in instead.
  const signOutAndLeave = async () => {
    setDrawer(false);
    navigate("/");
    await signOut();
  };

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <a className="skip-link" href="#main">
        {t("layout.skipToContent")}
      </a>
      <Layout.Header className="app-header">
        <Link
          to={actor?.kind === "applicant" ? "/portal" : actor?.kind === "staff" ? "/office" : "/"}
          className="brand"
          aria-label={t("app.name")}
        >
          <SafetyCertificateOutlined aria-hidden />
          <span>{t("app.name")}</span>
        </Link>
        <nav aria-label={t("layout.mainNav")} className="app-nav">
          <Menu
            mode="horizontal"
            theme="dark"
            selectedKeys={selectedKey(items, location.pathname)}
            items={items.map((i) => ({ key: i.key, label: <Link to={i.key}>{t(i.label)}</Link> }))}
            style={{ minWidth: 0, flex: 1 }}
          />
        </nav>
        <Space size="middle" className="header-tools">
          <LanguageSwitch />
          {actor ? (
            <>
              <span className="who">
                <UserOutlined aria-hidden /> <LongText text={actor.name} maxWidth={120} />
              </span>
              <Button size="small" icon={<LogoutOutlined aria-hidden />} onClick={signOutAndLeave}>
                {t("auth.signOut")}
              </Button>
            </>
          ) : (
            <>
              <Button size="small" type="primary" onClick={() => navigate("/sign-in")}>
                {t("auth.signIn")}
              </Button>
              <Link to="/sign-up" className="header-link">
                {t("auth.signUp")}
              </Link>
            </>
          )}
        </Space>
        {/* Phones (CSS shows it under 768 px): the same navigation and tools in a drawer. */}
        <Button
          className="menu-button"
          type="text"
          icon={<MenuOutlined aria-hidden />}
          aria-expanded={drawer}
          aria-controls="phone-menu"
          onClick={() => setDrawer(true)}
        >
          {t("layout.menu")}
        </Button>
      </Layout.Header>
      <Drawer
        id="phone-menu"
        open={drawer}
        onClose={() => setDrawer(false)}
        placement="right"
        width={300}
        title={t("layout.menu")}
        closeIcon={<span aria-label={t("layout.closeMenu")}>✕</span>}
        classNames={{ body: "phone-menu" }}
      >
        <nav aria-label={t("layout.mainNav")}>
          <Menu
            mode="inline"
            selectedKeys={selectedKey(items, location.pathname)}
            items={items.map((i) => ({ key: i.key, label: <Link to={i.key}>{t(i.label)}</Link> }))}
            style={{ borderInlineEnd: 0 }}
          />
        </nav>
        <div className="phone-menu-tools">
          <LanguageSwitch />
          {actor ? (
            <>
              <span className="who">
                <UserOutlined aria-hidden /> <LongText text={actor.name} maxWidth={220} />
              </span>
              <Button block icon={<LogoutOutlined aria-hidden />} onClick={signOutAndLeave}>
                {t("auth.signOut")}
              </Button>
            </>
          ) : (
            <>
              <Button block type="primary" onClick={() => navigate("/sign-in")}>
                {t("auth.signIn")}
              </Button>
              <Button block onClick={() => navigate("/sign-up")}>
                {t("auth.signUp")}
              </Button>
            </>
          )}
        </div>
      </Drawer>
      <Layout.Content id="main" tabIndex={-1} className="app-content">
        <Suspense fallback={<Spin tip={t("common.loading")} />}>
          <Outlet />
        </Suspense>
      </Layout.Content>
      <Layout.Footer className="app-footer">
        <Typography.Text type="secondary">
          {t("layout.footer")} · <a href="/docs">{t("layout.apiDocs")}</a>
        </Typography.Text>
      </Layout.Footer>
    </Layout>
  );
}

export { usePageTitle } from "./page-title";

/** A page's heading row: the title, and the actions on the right. */
export function PageHeading({ title, extra, sub }: { title: ReactNode; extra?: ReactNode; sub?: ReactNode }) {
  return (
    <div className="page-heading">
      <div style={{ minWidth: 0 }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {title}
        </Typography.Title>
        {sub && <div className="page-sub">{sub}</div>}
      </div>
      {extra && <Space wrap>{extra}</Space>}
    </div>
  );
}
