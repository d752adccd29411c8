/** 中文 / English, remembered in the browser. */
import { Segmented } from "antd";
import { useI18n, type Locale } from "../i18n";

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <Segmented<Locale>
      aria-label={t("layout.language")}
      size="small"
      value={locale}
      onChange={setLocale}
      options={[
        { label: <span lang="zh-CN">中文</span>, value: "zh-CN" },
        { label: <span lang="en">English</span>, value: "en" },
      ]}
    />
  );
}
