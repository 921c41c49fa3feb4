import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Loading } from './components/Loading';
import { SessionProvider } from './hooks/useSession';
import { AppLayout } from './layout/AppLayout';
import { RequireSession } from './layout/RequireSession';

const Login = lazy(() => import('./pages/Login'));
const Dashboard = lazy(() => import('./pages/Dashboard'));
const Customers = lazy(() => import('./pages/Customers'));
const CustomerDetail = lazy(() => import('./pages/CustomerDetail'));
const Settings = lazy(() => import('./pages/Settings'));
const NotFound = lazy(() => import('./pages/NotFound'));
const WecomLiveCodes = lazy(() => import('./pages/wecom/LiveCodes'));
const WecomGroups = lazy(() => import('./pages/wecom/Groups'));
const WecomStaff = lazy(() => import('./pages/wecom/Staff'));
const WecomConnect = lazy(() => import('./pages/wecom/Connect'));
const Segments = lazy(() => import('./pages/segments/Segments'));
const SegmentEditor = lazy(() => import('./pages/segments/SegmentEditor'));
const Layers = lazy(() => import('./pages/rfm/Layers'));
const Tags = lazy(() => import('./pages/tags/Tags'));
const Imports = lazy(() => import('./pages/imports/Imports'));
const Journeys = lazy(() => import('./pages/journeys/Journeys'));
const JourneyTemplates = lazy(() => import('./pages/journeys/Templates'));
const Journey = lazy(() => import('./pages/journeys/Journey'));
const JourneyTasks = lazy(() => import('./pages/journeys/Tasks'));
const Campaigns = lazy(() => import('./pages/campaigns/Campaigns'));
const CampaignWizard = lazy(() => import('./pages/campaigns/CampaignWizard'));
const CampaignReport = lazy(() => import('./pages/campaigns/CampaignReport'));
const MessageTemplates = lazy(() => import('./pages/messages/MessageTemplates'));
const MessagePolicies = lazy(() => import('./pages/messages/Policies'));
const Channels = lazy(() => import('./pages/messages/Channels'));

const BRAND_GREEN = '#07c160';

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === 'en-US' ? enUS : zhCN}
      theme={{ token: { colorPrimary: BRAND_GREEN, colorLink: BRAND_GREEN, borderRadius: 6 } }}
    >
      <AntApp>
        <BrowserRouter>
          <SessionProvider>
            <ErrorBoundary resetKey="app">
              <Suspense fallback={<Loading fullscreen />}>
                <Routes>
                  <Route path="/login" element={<Login />} />
                  <Route
                    element={
                      <RequireSession>
                        <AppLayout />
                      </RequireSession>
                    }
                  >
                    <Route index element={<Dashboard />} />
                    <Route path="customers" element={<Customers />} />
                    <Route path="customers/:id" element={<CustomerDetail />} />
                    <Route path="settings" element={<Settings />} />
                    <Route path="segments" element={<Segments />} />
                    <Route path="segments/new" element={<SegmentEditor />} />
                    <Route path="segments/:id" element={<SegmentEditor />} />
                    <Route path="rfm" element={<Layers />} />
                    <Route path="tags" element={<Tags />} />
                    <Route path="imports" element={<Imports />} />
                    <Route path="journeys" element={<Journeys />} />
                    <Route path="journeys/templates" element={<JourneyTemplates />} />
                    <Route path="journeys/tasks" element={<JourneyTasks />} />
                    <Route path="journeys/:id" element={<Journey />} />
                    <Route path="campaigns" element={<Campaigns />} />
                    <Route path="campaigns/new" element={<CampaignWizard />} />
                    <Route path="campaigns/:id" element={<CampaignWizard />} />
                    <Route path="campaigns/:id/report" element={<CampaignReport />} />
                    <Route path="messages/templates" element={<MessageTemplates />} />
                    <Route path="messages/policies" element={<MessagePolicies />} />
                    <Route path="messages/channels" element={<Channels />} />
                    <Route path="wecom/live-codes" element={<WecomLiveCodes />} />
                    <Route path="wecom/groups" element={<WecomGroups />} />
                    <Route path="wecom/staff" element={<WecomStaff />} />
                    <Route path="wecom/connect" element={<WecomConnect />} />
                    <Route path="*" element={<NotFound />} />
                  </Route>
                </Routes>
              </Suspense>
            </ErrorBoundary>
          </SessionProvider>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
