/**
 * Every page but the landing page: Ant Design's locale and theme around the app's frame
 * (AppLayout). Loaded on the first visit to such a page, so that the landing page comes up
 * without Ant Design's code (issue 19, item 7: under 300 KB of JavaScript cold).
 */
import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { useEffect } from "react";
import { useI18n } from "../i18n";
import { AppLayout } from "./AppLayout";

export default function AntFrame() {
  const { locale } = useI18n();
  useEffect(() => {
    dayjs.locale(locale === "en" ? "en" : "zh-cn");
  }, [locale]);
  return (
    <ConfigProvider
      locale={locale === "en" ? enUS : zhCN}
      // Button names read as written ("登录", not "登 录"), for people and for screen readers.
      button={{ autoInsertSpace: false }}
      theme={{
        token: {
          fontFamily:
            '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", sans-serif',
        },
      }}
    >
      <AntApp>
        <AppLayout />
      </AntApp>
    </ConfigProvider>
  );
}
