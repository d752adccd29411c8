/**
 * The platform's one page: sign in (password or USB key), bind the key's certificate, stamp a bid.
 * Plain HTML and a little script: the script talks to the platform's API and to the security
 * client's local agent on 127.0.0.1 (paired once with the code the agent shows for this site).
 * The page never asks for the PIN: the agent opens its own window for it, and the page waits.
 */
export function pageHtml(input: {
  tender: string;
  loginMode: "desk" | "local";
  certdeskUrl: string;
}): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>示例采购平台 · Procurement platform demo</title>
<style>
  body { font-family: system-ui, "Noto Sans SC", sans-serif; margin: 0; background: #f5f6f8; color: #1f2329; }
  header { background: #0b5cad; color: #fff; padding: 14px 24px; }
  header h1 { margin: 0; font-size: 20px; }
  main { max-width: 880px; margin: 24px auto; padding: 0 16px; display: grid; gap: 16px; }
  section { background: #fff; border-radius: 8px; padding: 16px 20px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  h2 { font-size: 16px; margin: 0 0 12px; }
  label { display: inline-flex; flex-direction: column; gap: 4px; margin: 0 12px 8px 0; font-size: 14px; }
  input { padding: 6px 8px; border: 1px solid #c9cdd4; border-radius: 4px; font-size: 14px; min-width: 200px; }
  button { padding: 7px 16px; border-radius: 4px; border: 1px solid #0b5cad; background: #0b5cad; color: #fff; font-size: 14px; cursor: pointer; }
  button.secondary { background: #fff; color: #0b5cad; }
  button:focus-visible, input:focus-visible { outline: 2px solid #f5a623; outline-offset: 2px; }
  .row { display: flex; align-items: flex-end; flex-wrap: wrap; gap: 8px; }
  .ok { color: #1a7f37; } .err { color: #c62828; }
  dl + form { margin-top: 12px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
  dt { color: #646a73; } dd { margin: 0; overflow-wrap: anywhere; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<header><h1>示例采购平台 <small>Procurement platform demo</small></h1></header>
<main>
  <p id="message" role="status" aria-live="polite"></p>

  <section aria-labelledby="agent-title">
    <h2 id="agent-title">证书助手 · Security client</h2>
    <p id="agent-status">正在查找本机证书助手… / Looking for the security client…</p>
    <div class="row">
      <label>证书助手端口 · Agent port <input id="agent-port" inputmode="numeric" value="17380"></label>
      <button class="secondary" id="agent-check" type="button">重新检测 · Check again</button>
    </div>
    <form id="pair-form" class="row" hidden>
      <label>配对码 · Pairing code <input id="pair-code" autocomplete="off" placeholder="1234-5678"></label>
      <button type="submit">配对 · Pair</button>
    </form>
  </section>

  <section id="signed-out" aria-labelledby="login-title">
    <h2 id="login-title">登录 · Sign in</h2>
    <form id="password-form" class="row">
      <label>平台账号 · Account <input id="account" autocomplete="username" value="supplier-001"></label>
      <label>密码 · Password <input id="password" type="password" autocomplete="current-password"></label>
      <button type="submit">账号密码登录 · Sign in with password</button>
    </form>
    <form id="key-login-form" class="row">
      <button type="submit">USB Key 登录 · Sign in with the USB key</button>
    </form>
    <p><small>证书登录由${input.loginMode === "desk" ? " certdesk " : "本平台（含 OCSP）"}核验 · Key logins are checked by ${input.loginMode === "desk" ? "certdesk" : "this platform, OCSP included"}</small></p>
  </section>

  <section id="signed-in" aria-labelledby="account-title" hidden>
    <h2 id="account-title">我的账号 · My account</h2>
    <dl>
      <dt>平台账号 · Account</dt><dd id="me-account"></dd>
      <dt>供应商 · Supplier</dt><dd id="me-organisation"></dd>
      <dt>统一社会信用代码 · USCC</dt><dd id="me-uscc"></dd>
      <dt>登录方式 · Signed in with</dt><dd id="me-method"></dd>
      <dt>绑定的证书 · Bound certificate</dt><dd id="me-bound"></dd>
    </dl>
    <form id="bind-form" class="row" hidden>
      <button type="submit">绑定数字证书 · Bind the USB key's certificate</button>
    </form>
    <p><button class="secondary" id="logout" type="button">退出 · Sign out</button></p>
  </section>

  <section id="bid" aria-labelledby="bid-title" hidden>
    <h2 id="bid-title">投标 · Bid</h2>
    <p>招标项目 · Tender: ${input.tender}</p>
    <p><a href="/api/bid.pdf" target="_blank">预览投标函 · Preview the bid (PDF)</a></p>
    <form id="bid-form" class="row">
      <button type="submit">电子签章并提交 · Stamp with the seal and submit</button>
    </form>
    <ul id="bids"></ul>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const say = (text, ok = true) => { const m = $("message"); m.textContent = text; m.className = ok ? "ok" : "err"; m.setAttribute("role", ok ? "status" : "alert"); };
const port = () => $("agent-port").value.trim();
const secretKey = () => "pp-agent-secret-" + port();
const query = new URLSearchParams(location.search);
if (query.get("agent")) $("agent-port").value = query.get("agent");

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(answer.message || ("HTTP " + res.status));
  return answer;
}
async function agent(path, body) {
  const headers = { "content-type": "application/json" };
  const secret = localStorage.getItem(secretKey());
  if (secret) headers.authorization = "Bearer " + secret;
  const res = await fetch("http://127.0.0.1:" + port() + path, body === undefined ? { headers } : { method: "POST", headers, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(answer.message || ("HTTP " + res.status));
  return res.status === 202 && answer.dialog ? confirmedInAgent(answer) : answer;
}
// The PIN is typed in the security client's own window, never in this page: open it and wait.
async function confirmedInAgent(pending) {
  const opened = window.open(pending.dialog, "_blank", "popup,width=520,height=720");
  say(opened ? "请在证书助手窗口中确认并输入 PIN · Confirm with the PIN in the security client's window" : "请打开证书助手窗口 · Open the security client's window: " + pending.dialog);
  for (;;) {
    const answer = await agent("/v1/requests/" + pending.request);
    if (!answer.state) return answer;
  }
}
async function checkAgent() {
  try {
    const status = await agent("/v1/status");
    const paired = status.paired && localStorage.getItem(secretKey());
    $("agent-status").textContent = paired ? "证书助手已连接 · Security client connected" : "证书助手已找到，请输入它为本网站显示的配对码 · Found: enter the pairing code it shows for this site";
    $("pair-form").hidden = !!paired;
  } catch {
    $("agent-status").textContent = "未找到证书助手：请运行 certdesk-client agent --portal-origin ${new URL(input.certdeskUrl).origin} --platform-origin " + location.origin + " · Security client not found: start it as shown";
    $("pair-form").hidden = true;
  }
}
async function keySignature(purpose) {
  const { challenge } = await api("/api/challenge", { purpose });
  const signed = await agent("/v1/sign-login", { challenge });
  return { challenge, certificate: signed.certificate, signature: signed.signature };
}
function show(me) {
  $("signed-out").hidden = !!me; $("signed-in").hidden = !me; $("bid").hidden = !me || !me.boundSerial;
  if (!me) return;
  $("me-account").textContent = me.account;
  $("me-organisation").textContent = me.organisation;
  $("me-uscc").textContent = me.uscc;
  $("me-method").textContent = me.method === "key" ? "USB Key" : "账号密码 · Password";
  $("me-bound").textContent = me.boundSerial || "未绑定 · None";
  $("bind-form").hidden = !!me.boundSerial;
  const list = $("bids"); list.textContent = "";
  for (const b of me.bids || []) {
    const li = document.createElement("li");
    const a = document.createElement("a"); a.href = "/bids/" + b.id + ".pdf"; a.textContent = "投标函 " + b.id;
    li.append(a, " — 已签章 · stamped: " + b.seal + "，证书 " + b.certificateSerial);
    list.append(li);
  }
}
async function refresh() { try { show(await api("/api/me")); } catch { show(null); } }
const guard = (fn) => async (e) => { e.preventDefault(); try { await fn(); } catch (err) { say(err.message, false); } };

$("agent-check").addEventListener("click", guard(checkAgent));
$("pair-form").addEventListener("submit", guard(async () => {
  const { secret } = await agent("/v1/pair", { code: $("pair-code").value });
  localStorage.setItem(secretKey(), secret);
  say("已与证书助手配对 · Paired with the security client");
  await checkAgent();
}));
$("password-form").addEventListener("submit", guard(async () => {
  show({ ...(await api("/api/login/password", { account: $("account").value, password: $("password").value })), method: "password" });
  say("已登录 · Signed in");
}));
$("key-login-form").addEventListener("submit", guard(async () => {
  await api("/api/login/key", await keySignature("login"));
  await refresh();
  say("已使用 USB Key 登录 · Signed in with the USB key");
}));
$("bind-form").addEventListener("submit", guard(async () => {
  show({ ...(await api("/api/bind", await keySignature("bind"))), method: "password" });
  await refresh();
  say("数字证书已绑定 · The certificate is bound");
}));
$("bid-form").addEventListener("submit", guard(async () => {
  const pdf = new Uint8Array(await (await fetch("/api/bid.pdf")).arrayBuffer());
  let binary = ""; for (const b of pdf) binary += String.fromCharCode(b);
  const stamped = await agent("/v1/seal-pdf", { pdf: btoa(binary), name: "投标函 · Bid", page: 1, xMm: 60, yMm: 30, reason: "投标 · Bid" });
  const bid = await api("/api/bids", { pdf: stamped.pdf });
  await refresh();
  say("投标文件已签章提交 · The bid is stamped and submitted: " + bid.seal);
}));
$("logout").addEventListener("click", guard(async () => { await api("/api/logout", {}); show(null); say("已退出 · Signed out"); }));
checkAgent();
refresh();
</script>
</body>
</html>`;
}
