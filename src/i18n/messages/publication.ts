/** Messages for CRL and OCSP publication (publication.*), and for `certdesk ca crl`. */
import type { MessageTable } from "./types.js";

export const publicationMessages: MessageTable = {
  "publication.crl_not_found": {
    "zh-CN": "{ca} 不发布证书吊销列表（CRL）：只有根 CA 和签发 CA 发布",
    en: "{ca} publishes no certificate revocation list (CRL): only root and issuing CAs do",
  },
  "publication.ocsp_port_unavailable": {
    "zh-CN": "OCSP 响应进程无法监听端口 {port}（{detail}）：请换一个 CERTDESK_OCSP_PORT",
    en: "The OCSP worker processes cannot listen on port {port} ({detail}): choose another CERTDESK_OCSP_PORT",
  },
  "publication.no_crl_issuers": {
    "zh-CN": "还没有签发 CA：请先运行 certdesk ca init",
    en: "There is no issuing CA yet: run certdesk ca init first",
  },
  "publication.out_not_directory": {
    "zh-CN": "要生成 {count} 份 CRL 时，--out 须为已存在的目录：{path}",
    en: "With {count} CRLs to write, --out must be an existing folder: {path}",
  },
  "publication.out_unwritable": {
    "zh-CN": "无法写入文件 {path}：{detail}",
    en: "Cannot write the file {path}: {detail}",
  },
  "publication.crl_summary": {
    "zh-CN": "{ca}：第 {number} 号 CRL，{entries} 条吊销记录，本次更新 {thisUpdate}，下次更新 {nextUpdate}",
    en: "{ca}: CRL number {number}, {entries} revoked certificates, this update {thisUpdate}, next update {nextUpdate}",
  },
  "publication.crl_written": {
    "zh-CN": "{ca}：第 {number} 号 CRL（{entries} 条吊销记录）已写入 {path}",
    en: "{ca}: CRL number {number} ({entries} revoked certificates) written to {path}",
  },
};
