/** Who is signed in (GET /api/me), sign-in and sign-out, and the guard for the portal's pages. */
import {
  createContext,
  lazy,
  Suspense,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from "react";
import { Navigate, useLocation } from "react-router-dom";
import { saveDeskSession } from "./api/agent";
import { api, isApiError } from "./api/client";
import type { Actor } from "./api/types";
import { Loading } from "./components/Loading";
import { useI18n } from "./i18n";
import { mayOpenOfficePage, rolesForOfficePage } from "./lib/officeAccess";

// Ant Design's 403 page, loaded only when shown: this module is in the landing page's bundle.
const Forbidden = lazy(() => import("./pages/Forbidden").then((m) => ({ default: m.Forbidden })));

interface Auth {
  /** undefined while the first check runs; null when nobody is signed in. */
  actor: Actor | null | undefined;
  signIn(login: string, password: string): Promise<Actor>;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

const AuthContext = createContext<Auth | undefined>(undefined);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [actor, setActor] = useState<Actor | null | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      setActor(await api.get<Actor>("/api/me"));
    } catch (e) {
      if (isApiError(e) && e.status === 401) setActor(null);
      else setActor((previous) => previous ?? null);
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const value = useMemo<Auth>(
    () => ({
      actor,
      refresh,
      async signIn(login, password) {
        const session = await api.post<{ actor: Actor; token: string }>("/api/auth/login", {
          login,
          password,
        });
        // A handler's security client acts with this session (My USB key); staff have no USB key page.
        saveDeskSession(session.actor.kind === "applicant" ? session.token : null);
        setActor(session.actor);
        return session.actor;
      },
      async signOut() {
        try {
          await api.post("/api/auth/logout");
        } finally {
          saveDeskSession(null);
          setActor(null);
        }
      },
    }),
    [actor, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

export type Applicant = Extract<Actor, { kind: "applicant" }>;

/** The portal's pages: an organisation's handler only; others go to sign in (and come back). */
export function RequireApplicant({ children }: { children: (actor: Applicant) => ReactNode }) {
  const { actor } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (actor === undefined) return <Loading text={t("common.loading")} />;
  if (actor !== null && actor.kind === "staff") return <Navigate to="/office" replace />;
  if (actor === null || actor.kind !== "applicant") {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return <>{children(actor)}</>;
}

export type Staff = Extract<Actor, { kind: "staff" }>;

/**
 * The back office's pages: staff only; applicants go to their portal, others to sign in; staff
 * without a role the page needs (lib/officeAccess.ts) see the 403 page.
 */
export function RequireStaff({ children }: { children: (actor: Staff) => ReactNode }) {
  const { actor } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (actor === undefined) return <Loading text={t("common.loading")} />;
  if (actor !== null && actor.kind === "applicant") return <Navigate to="/portal" replace />;
  if (actor === null || actor.kind !== "staff") {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  const needs = rolesForOfficePage(location.pathname);
  if (needs && !mayOpenOfficePage(actor.roles, location.pathname))
    return (
      <Suspense fallback={<Loading text={t("common.loading")} />}>
        <Forbidden actor={actor} needs={needs} />
      </Suspense>
    );
  return <>{children(actor)}</>;
}
