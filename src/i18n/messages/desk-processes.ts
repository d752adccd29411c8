import type { MessageTable } from "./types.js";

/** One desk in many processes (issue #17): settings held in the store, the CLI beside a desk. */
export const deskProcessesMessages: MessageTable = {
  "settings.conflict": {
    "zh-CN":
      "CA 设置 {setting} 与数据库中的不一致：数据库中为 {stored}，本进程给出 {given}。证书中的地址和发布设置以数据库为准（各节点和命令行共用）；请删除该设置，或改为数据库中的值",
    en: "The CA setting {setting} disagrees with the database: the database holds {stored}, this process gives {given}. Certificate addresses and publication settings come from the database (shared by every node and the CLI); remove the setting or give the stored value",
  },
};
