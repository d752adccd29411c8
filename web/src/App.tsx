/**
 * Providers (language, session) and the routes of the web app. The landing page comes in a light
 * frame of plain HTML; every other page loads with Ant Design's frame (AntFrame: locale, theme,
 * AppLayout) on first visit, so a first visitor downloads no Ant Design (issue 19, item 7).
 */
import { lazy, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import { AuthProvider, RequireApplicant, RequireStaff } from "./auth";
import { LightFrame } from "./components/LightFrame";
import { Loading } from "./components/Loading";
import { I18nProvider, useI18n } from "./i18n";
import { Landing } from "./pages/Landing";

// Pages load on first visit: the front page comes up before the portal's and guides' code.
const AntFrame = lazy(() => import("./components/AntFrame"));
const NotFound = lazy(() => import("./pages/NotFound").then((m) => ({ default: m.NotFound })));
const SignIn = lazy(() => import("./pages/SignIn").then((m) => ({ default: m.SignIn })));
const SignUp = lazy(() => import("./pages/SignUp").then((m) => ({ default: m.SignUp })));
const GuideIndex = lazy(() => import("./pages/guides/GuideIndex").then((m) => ({ default: m.GuideIndex })));
const GuidePage = lazy(() => import("./pages/guides/GuidePage").then((m) => ({ default: m.GuidePage })));
const OfficeHome = lazy(() => import("./pages/office/OfficeHome").then((m) => ({ default: m.OfficeHome })));
const ProgrammesPage = lazy(() =>
  import("./pages/office/AdminPages").then((m) => ({ default: m.ProgrammesPage })),
);
const AuditCheckPage = lazy(() =>
  import("./pages/office/AdminPages").then((m) => ({ default: m.AuditCheckPage })),
);
const PlatformsPage = lazy(() =>
  import("./pages/office/PlatformsPage").then((m) => ({ default: m.PlatformsPage })),
);
const PlatformPage = lazy(() =>
  import("./pages/office/PlatformsPage").then((m) => ({ default: m.PlatformPage })),
);
const TransferReceiptsPage = lazy(() =>
  import("./pages/office/FinancePages").then((m) => ({ default: m.TransferReceiptsPage })),
);
const FinanceReportsPage = lazy(() =>
  import("./pages/office/FinancePages").then((m) => ({ default: m.FinanceReportsPage })),
);
const InvoicesPage = lazy(() =>
  import("./pages/office/FinancePages").then((m) => ({ default: m.InvoicesPage })),
);
const MessagesPage = lazy(() =>
  import("./pages/office/MessagesPage").then((m) => ({ default: m.MessagesPage })),
);
const QueuePage = lazy(() => import("./pages/office/QueuePage").then((m) => ({ default: m.QueuePage })));
const OfficeOrderPage = lazy(() =>
  import("./pages/office/OfficeOrderPage").then((m) => ({ default: m.OfficeOrderPage })),
);
const ProductionPage = lazy(() =>
  import("./pages/office/ProductionPage").then((m) => ({ default: m.ProductionPage })),
);
const ProductionBatchPage = lazy(() =>
  import("./pages/office/ProductionPage").then((m) => ({ default: m.ProductionBatchPage })),
);
const SearchPage = lazy(() => import("./pages/office/SearchPage").then((m) => ({ default: m.SearchPage })));
const Apply = lazy(() => import("./pages/portal/Apply").then((m) => ({ default: m.Apply })));
const Home = lazy(() => import("./pages/portal/Home").then((m) => ({ default: m.Home })));
const OrderPage = lazy(() => import("./pages/portal/OrderPage").then((m) => ({ default: m.OrderPage })));
const RefundPage = lazy(() => import("./pages/portal/RefundPage").then((m) => ({ default: m.RefundPage })));
const ForgotPassword = lazy(() =>
  import("./pages/ForgotPassword").then((m) => ({ default: m.ForgotPassword })),
);
const UsbKey = lazy(() => import("./pages/portal/UsbKey").then((m) => ({ default: m.UsbKey })));

/** Until a page's code has come. */
function Waiting() {
  const { t } = useI18n();
  return <Loading text={t("common.loading")} />;
}

export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <Suspense fallback={<Waiting />}>
          <BrowserRouter>
            <Routes>
              <Route
                index
                element={
                  <LightFrame>
                    <Landing />
                  </LightFrame>
                }
              />
              <Route element={<AntFrame />}>
                <Route path="sign-in" element={<SignIn />} />
                <Route path="sign-up" element={<SignUp />} />
                <Route path="forgot-password" element={<ForgotPassword />} />
                <Route path="guides" element={<GuideIndex />} />
                <Route path="guides/:programmeId/:service" element={<GuidePage />} />
                <Route
                  path="portal"
                  element={<RequireApplicant>{(actor) => <Home actor={actor} />}</RequireApplicant>}
                />
                <Route
                  path="portal/apply/:programmeId?/:service?"
                  element={<RequireApplicant>{(actor) => <Apply actor={actor} />}</RequireApplicant>}
                />
                <Route
                  path="portal/orders/:orderId"
                  element={<RequireApplicant>{(actor) => <OrderPage actor={actor} />}</RequireApplicant>}
                />
                <Route
                  path="portal/orders/:orderId/refund"
                  element={<RequireApplicant>{() => <RefundPage />}</RequireApplicant>}
                />
                <Route
                  path="portal/usb-key"
                  element={<RequireApplicant>{() => <UsbKey />}</RequireApplicant>}
                />
                <Route
                  path="office"
                  element={<RequireStaff>{(actor) => <OfficeHome actor={actor} />}</RequireStaff>}
                />
                <Route
                  path="office/queue/:queueId"
                  element={<RequireStaff>{(actor) => <QueuePage actor={actor} />}</RequireStaff>}
                />
                <Route
                  path="office/orders/:orderId"
                  element={<RequireStaff>{(actor) => <OfficeOrderPage actor={actor} />}</RequireStaff>}
                />
                <Route
                  path="office/programmes"
                  element={<RequireStaff>{() => <ProgrammesPage />}</RequireStaff>}
                />
                <Route
                  path="office/audit"
                  element={<RequireStaff>{() => <AuditCheckPage />}</RequireStaff>}
                />
                <Route
                  path="office/platforms"
                  element={<RequireStaff>{() => <PlatformsPage />}</RequireStaff>}
                />
                <Route
                  path="office/platforms/:platformId"
                  element={<RequireStaff>{() => <PlatformPage />}</RequireStaff>}
                />
                <Route
                  path="office/receipts"
                  element={<RequireStaff>{() => <TransferReceiptsPage />}</RequireStaff>}
                />
                <Route
                  path="office/finance"
                  element={<RequireStaff>{() => <FinanceReportsPage />}</RequireStaff>}
                />
                <Route
                  path="office/invoices"
                  element={<RequireStaff>{() => <InvoicesPage />}</RequireStaff>}
                />
                <Route path="office/search" element={<RequireStaff>{() => <SearchPage />}</RequireStaff>} />
                <Route
                  path="office/production"
                  element={<RequireStaff>{(actor) => <ProductionPage actor={actor} />}</RequireStaff>}
                />
                <Route
                  path="office/production/:batchId"
                  element={<RequireStaff>{(actor) => <ProductionBatchPage actor={actor} />}</RequireStaff>}
                />
                <Route
                  path="office/messages"
                  element={<RequireStaff>{() => <MessagesPage />}</RequireStaff>}
                />
                <Route path="office/*" element={<Navigate to="/office" replace />} />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </BrowserRouter>
        </Suspense>
      </AuthProvider>
    </I18nProvider>
  );
}
