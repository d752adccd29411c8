/**
 * Staff order search: filters over every order (number, organisation, USCC, handler mobile,
 * service, state, creation dates, overdue), kept in the address (?organisation=…&state=…) so that
 * a search can be bookmarked, shared and come back with the Back button.
 */
import { Button, Checkbox, DatePicker, Form, Input, Select, Space, Table } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useSearchParams } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Programme } from "../../api/types";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { useI18n, type MessageKey } from "../../i18n";
import { zhCN } from "../../i18n/zh-CN";
import type { OfficeOrder } from "../../lib/office";
import { useOrderColumns } from "./orderColumns";
import { useProgrammes } from "./QueuePage";

const TEXT_FILTERS = ["number", "organisation", "uscc", "mobile"] as const;
const PAGE = 20;
/** Every order state the catalogue names (state.draft, …). */
const STATES = Object.keys(zhCN)
  .filter((k) => k.startsWith("state."))
  .map((k) => k.slice("state.".length));

interface Filters {
  number?: string;
  organisation?: string;
  uscc?: string;
  mobile?: string;
  service?: string;
  state?: string;
  dates?: [Dayjs | null, Dayjs | null] | undefined;
  overdue?: boolean;
}

/** The filters as the address holds them (only those given). */
function toParams(f: Filters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of TEXT_FILTERS) if (f[k]?.trim()) p.set(k, f[k].trim());
  if (f.service) p.set("service", f.service);
  if (f.state) p.set("state", f.state);
  if (f.dates?.[0]) p.set("from", f.dates[0].format("YYYY-MM-DD"));
  if (f.dates?.[1]) p.set("to", f.dates[1].format("YYYY-MM-DD"));
  if (f.overdue) p.set("overdue", "true");
  return p;
}

function fromParams(p: URLSearchParams): Filters {
  const from = p.get("from");
  const to = p.get("to");
  return {
    ...Object.fromEntries(TEXT_FILTERS.map((k) => [k, p.get(k) ?? undefined])),
    service: p.get("service") ?? undefined,
    state: p.get("state") ?? undefined,
    dates: from || to ? [from ? dayjs(from) : null, to ? dayjs(to) : null] : undefined,
    overdue: p.get("overdue") === "true",
  };
}

export function SearchPage() {
  const { t, loc } = useI18n();
  usePageTitle(t("search.title"));
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<Filters>();
  const { programmes } = useProgrammes();
  const columns = useOrderColumns(
    programmes,
    ["number", "organisation", "uscc", "service", "state", "created", "due"],
    { service: 130, state: 120 },
  );
  const page = Math.max(1, Number(params.get("page") ?? 1) || 1);
  const query = new URLSearchParams(params);
  query.delete("page");
  const searched = query.toString();
  const found = useLoad(
    (signal) =>
      api.get<{ orders: OfficeOrder[]; more: boolean }>(
        `/api/office/orders/search?${searched}${searched ? "&" : ""}limit=${PAGE}&offset=${(page - 1) * PAGE}`,
        signal,
      ),
    [searched, page],
  );
  const services = [...new Set([...programmes.values()].flatMap((p) => Object.keys(p.services)))].map(
    (code) => {
      const service = code as keyof Programme["services"];
      const named = [...programmes.values()].find((p) => p.services[service]);
      return { value: code, label: loc(named?.services[service]?.name) || code };
    },
  );

  const goTo = (next: number) => {
    const p = new URLSearchParams(query);
    if (next > 1) p.set("page", String(next));
    setParams(p);
  };

  return (
    <>
      <PageHeading title={t("search.title")} sub={t("search.sub")} />
      <Form<Filters>
        form={form}
        layout="inline"
        initialValues={fromParams(params)}
        onFinish={(f) => setParams(toParams(f))}
        role="search"
        aria-label={t("search.title")}
        style={{ rowGap: 12, marginBottom: 16 }}
      >
        {TEXT_FILTERS.map((k) => (
          <Form.Item key={k} name={k} label={t(`search.${k}` as MessageKey)}>
            <Input allowClear style={{ width: k === "organisation" ? 220 : 170 }} />
          </Form.Item>
        ))}
        <Form.Item name="service" label={t("search.service")}>
          <Select allowClear showSearch optionFilterProp="label" options={services} style={{ width: 150 }} />
        </Form.Item>
        <Form.Item name="state" label={t("search.state")}>
          {/* Typing finds a state among the many (the list shows only some at a time). */}
          <Select
            allowClear
            showSearch
            optionFilterProp="label"
            style={{ width: 150 }}
            options={STATES.map((s) => ({ value: s, label: t(`state.${s}` as MessageKey) }))}
          />
        </Form.Item>
        <Form.Item name="dates" label={t("search.dates")}>
          <DatePicker.RangePicker allowEmpty={[true, true]} />
        </Form.Item>
        <Form.Item name="overdue" valuePropName="checked">
          <Checkbox>{t("search.overdue")}</Checkbox>
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit">
            {t("search.submit")}
          </Button>
          <Button
            onClick={() => {
              form.setFieldsValue(fromParams(new URLSearchParams()));
              setParams(new URLSearchParams());
            }}
          >
            {t("search.clear")}
          </Button>
        </Space>
      </Form>
      <ErrorAlert error={found.error} onRetry={() => void found.reload()} />
      <Table<OfficeOrder>
        rowKey="id"
        size="middle"
        loading={found.loading}
        dataSource={found.data?.orders ?? []}
        pagination={false}
        rowClassName={(o) => (o.due?.overdue ? "row-overdue" : "")}
        scroll={{ x: 1000 }}
        columns={columns}
      />
      <Space style={{ marginTop: 12 }}>
        <Button disabled={page <= 1} onClick={() => goTo(page - 1)}>
          {t("search.previous")}
        </Button>
        <span>{t("search.page", { n: page })}</span>
        <Button disabled={!found.data?.more} onClick={() => goTo(page + 1)}>
          {t("search.next")}
        </Button>
      </Space>
    </>
  );
}
