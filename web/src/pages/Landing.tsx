/**
 * The landing page: what the desk does, the way in, and each programme's services. Plain HTML and
 * CSS (styles.css, .lf-*), in the light frame: a first visitor loads no Ant Design (issue 19, item 7).
 */
import { Link, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { useLoad } from "../api/hooks";
import type { Programme } from "../api/types";
import { useAuth } from "../auth";
import { Loading } from "../components/Loading";
import { usePageTitle } from "../components/page-title";
import { useI18n } from "../i18n";
import { errorText } from "../lib/error-text";
import { offeredServices } from "../lib/programme";

export function Landing() {
  const i18n = useI18n();
  const { t, loc } = i18n;
  const { actor } = useAuth();
  const navigate = useNavigate();
  const programmes = useLoad((signal) => api.get<Programme[]>("/api/programmes", signal), []);
  usePageTitle(undefined);

  return (
    <>
      <div className="lf-hero">
        <h1>{t("landing.title")}</h1>
        <p>{t("landing.intro")}</p>
        <div className="lf-actions">
          {actor?.kind === "applicant" ? (
            <button type="button" className="lf-btn lf-primary lf-large" onClick={() => navigate("/portal")}>
              {t("landing.toPortal")}
            </button>
          ) : (
            <>
              <button
                type="button"
                className="lf-btn lf-primary lf-large"
                onClick={() => navigate("/sign-in")}
              >
                {t("auth.signIn")}
              </button>
              <button type="button" className="lf-btn lf-large" onClick={() => navigate("/sign-up")}>
                {t("landing.signUp")}
              </button>
            </>
          )}
          <button type="button" className="lf-btn lf-plain lf-large" onClick={() => navigate("/guides")}>
            {t("landing.guides")}
          </button>
        </div>
      </div>
      {programmes.error !== undefined && programmes.error !== null && (
        <div role="alert" className="lf-error">
          {errorText(programmes.error, i18n)}{" "}
          <button type="button" className="lf-btn" onClick={programmes.reload}>
            {t("common.retry")}
          </button>
        </div>
      )}
      {programmes.loading && !programmes.data && <Loading text={t("common.loading")} />}
      <div className="lf-cards">
        {programmes.data?.map((p) => (
          <section key={p.id} className="lf-card service-card" aria-labelledby={`programme-${p.id}`}>
            <h2 id={`programme-${p.id}`}>{loc(p.name)}</h2>
            <p className="lf-secondary">{loc(p.platform.description)}</p>
            <strong>{t("landing.services")}</strong>
            <div className="lf-services">
              {offeredServices(p).map(([code, def]) => (
                <Link key={code} to={`/guides/${p.id}/${code}`}>
                  {loc(def.name)}
                </Link>
              ))}
            </div>
          </section>
        ))}
      </div>
    </>
  );
}
