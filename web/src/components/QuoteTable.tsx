/** An itemised quote in yuan: item, unit price, quantity, amount, and the total. */
import { Table, Typography } from "antd";
import type { Quote } from "../api/types";
import { useI18n } from "../i18n";
import { yuan } from "../lib/format";

export function QuoteTable({ quote, caption }: { quote: Quote; caption?: string }) {
  const { t, loc } = useI18n();
  return (
    <Table
      size="small"
      pagination={false}
      rowKey={(item) => item.code}
      dataSource={quote.items}
      aria-label={caption ?? t("quote.title")}
      locale={{ emptyText: t("quote.nothingToPay") }}
      columns={[
        {
          title: t("quote.item"),
          key: "label",
          render: (_, item) => (
            <>
              <div>{loc(item.label)}</div>
              {item.note && <Typography.Text type="secondary">{loc(item.note)}</Typography.Text>}
            </>
          ),
        },
        {
          title: t("quote.unitPrice"),
          key: "unit",
          align: "right",
          render: (_, i) => <span className="nowrap">¥{yuan(i.unitPrice)}</span>,
        },
        { title: t("quote.quantity"), dataIndex: "quantity", align: "right" },
        {
          title: t("quote.amount"),
          key: "amount",
          align: "right",
          render: (_, i) => <span className="nowrap">¥{yuan(i.amount)}</span>,
        },
      ]}
      summary={() => (
        <Table.Summary.Row>
          <Table.Summary.Cell index={0} colSpan={3}>
            <Typography.Text strong>{t("quote.total")}</Typography.Text>
          </Table.Summary.Cell>
          <Table.Summary.Cell index={1} align="right">
            <Typography.Text strong className="nowrap">
              ¥{yuan(quote.total)}
            </Typography.Text>
          </Table.Summary.Cell>
        </Table.Summary.Row>
      )}
    />
  );
}
