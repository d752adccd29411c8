/**
 * The landing page's frame in plain HTML and CSS (styles.css, .lf-*): the desk's name, the public
 * links, the language switch and signing in or out, as AppLayout offers them, without Ant Design,
 * whose code the landing page does not load (issue 19, item 7).
 */
import type { ReactNode } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useAuth } from "../auth";
import { useI18n, type Locale } from "../i18n";

function LanguageButtons() {
  const { locale, setLocale, t } = useI18n();
  const choice = (value: Locale, label: string) => (
    <button
      type="button"
      lang={value}
      aria-pressed={locale === value}
      className={locale === value ? "lf-lang lf-lang-on" : "lf-lang"}
      onClick={() => setLocale(value)}
    >
      {label}
    </button>
  );
  return (
    <div role="group" aria-label={t("layout.language")} className="lf-langs">
      {choice("zh-CN", "中文")}
      {choice("en", "English")}
    </div>
  );
}

export function LightFrame({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { actor, signOut } = useAuth();
  const navigate = useNavigate();
  const desk =
    actor?.kind === "applicant"
      ? { to: "/portal", label: t("nav.portal") }
      : actor?.kind === "staff"
        ? { to: "/office", label: t("nav.office") }
        : undefined;
  return (
    <div className="lf">
      <a className="skip-link" href="#main">
        {t("layout.skipToContent")}
      </a>
      <header className="lf-header">
        <Link to={desk?.to ?? "/"} className="lf-brand" aria-label={t("app.name")}>
          <span aria-hidden className="lf-mark">
            ◆
          </span>
          <span>{t("app.name")}</span>
        </Link>
        <nav aria-label={t("layout.mainNav")} className="lf-nav">
          <Link to="/" aria-current="page">
            {t("nav.home")}
          </Link>
          <Link to="/guides">{t("nav.guides")}</Link>
          {desk && <Link to={desk.to}>{desk.label}</Link>}
        </nav>
        <div className="lf-tools">
          <LanguageButtons />
          {actor ? (
            <button type="button" className="lf-btn" onClick={() => void signOut()}>
              {t("auth.signOut")}
            </button>
          ) : (
            <>
              <button type="button" className="lf-btn lf-primary" onClick={() => navigate("/sign-in")}>
                {t("auth.signIn")}
              </button>
              <Link to="/sign-up" className="lf-link">
                {t("auth.signUp")}
              </Link>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1} className="app-content">
        {children}
      </main>
      <footer className="lf-footer">
        {t("layout.footer")} · <a href="/docs">{t("layout.apiDocs")}</a>
      </footer>
    </div>
  );
}
