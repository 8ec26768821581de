"""The borrower's verification page: is this message really from the bank? (zh-CN / en)."""

from __future__ import annotations

import html
from typing import Final

TEXTS: Final = {
    "zh-CN": {
        "title": "核实催收信息",
        "intro": "请输入短信或邮件中的核验码，确认该信息是否由{institution}发出。"
        "如有疑问，请拨打{institution}官方客服电话 {hotline}。",
        "code": "核验码",
        "check": "核实",
        "genuine": "该信息由{institution}于 {date} 通过{channel}发出，账户 {account}。",
        "unknown": "未找到该核验码。请勿按该信息付款，"
        "并拨打{institution}官方客服电话 {hotline} 核实。",
        "possibly": "该信息可能确由{institution}于 {date} 通过{channel}发出（账户 {account}），"
        "但{institution}未能确认其已发出。付款前请拨打{institution}官方客服电话 {hotline} 核实。",
        "limited": "查询过于频繁，请稍后再试。",
        "channels": {"sms": "短信", "email": "电子邮件", "wechat": "微信"},
        "other": "English",
    },
    "en": {
        "title": "Verify a collection message",
        "intro": "Enter the verification code from the SMS or email to check that "
        "{institution} sent it. Questions? Call {institution}'s official number {hotline}.",
        "code": "Verification code",
        "check": "Check",
        "genuine": "{institution} sent this message on {date} by {channel}, account {account}.",
        "unknown": "This code is not known. Do not pay on the strength of that message; call "
        "{institution}'s official number {hotline} instead.",
        "possibly": "This message may be genuine: {institution} tried to send it on {date} by "
        "{channel} (account {account}) but could not confirm that it went out. Before paying, "
        "call {institution}'s official number {hotline} to check.",
        "limited": "Too many checks; please try again in a minute.",
        "channels": {"sms": "SMS", "email": "email", "wechat": "WeChat"},
        "other": "中文",
    },
}


def language(query: str | None, accept: str | None) -> str:
    """``?lang=`` first, then the browser's preference; Chinese by default."""
    if query in TEXTS:
        return query
    if accept and accept.lower().startswith("en"):
        return "en"
    return "zh-CN"


_STYLE: Final = """<style>
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;max-width:32rem;margin:auto}
input,button{font-size:1.2rem;padding:.6rem;width:100%;box-sizing:border-box;margin:.4rem 0}
#result{margin-top:1rem;padding:.8rem;border-radius:.4rem}
.genuine{background:#e6f4ea} .unknown{background:#fdecea} .possibly{background:#fff4e5}
</style>"""


#: The page's answers: confirmed, possibly sent (unconfirmed), unknown, too many checks.
_ANSWERS: Final = ("genuine", "possibly", "unknown", "limited")


def render(lang: str, institution: str, hotline: str) -> str:
    """The page; the lookup runs in the browser against ``POST /v1/verify``."""
    t = TEXTS[lang]
    esc = html.escape

    def fill(key: str) -> str:
        return str(t[key]).replace("{institution}", institution).replace("{hotline}", hotline)

    other = "en" if lang == "zh-CN" else "zh-CN"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(str(t["title"]))}</title>
{_STYLE}</head><body>
<h1>{esc(str(t["title"]))}</h1>
<p>{esc(fill("intro"))}</p>
<form id="form"><label for="code">{esc(str(t["code"]))}</label>
<input id="code" name="code" maxlength="16" autocomplete="off" autocapitalize="characters" required>
<button type="submit">{esc(str(t["check"]))}</button></form>
<div id="result" role="status" aria-live="polite"></div>
<p><a href="?lang={other}">{esc(str(t["other"]))}</a></p>
{_script(lang, {k: esc(fill(k)) for k in _ANSWERS})}</body></html>"""


def _script(lang: str, messages: dict[str, str]) -> str:
    """The lookup: posts the code, shows the answer in the page's language."""
    channels = TEXTS[lang]["channels"]
    assert isinstance(channels, dict)  # noqa: S101 - TEXTS is a constant
    esc = html.escape
    return f"""<script>
const M = {{genuine: "{messages["genuine"]}", possibly: "{messages["possibly"]}",
  unknown: "{messages["unknown"]}", limited: "{messages["limited"]}"}};
const C = {{sms: "{esc(channels["sms"])}", email: "{esc(channels["email"])}",
  wechat: "{esc(channels["wechat"])}"}};
document.getElementById("form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const out = document.getElementById("result");
  const code = document.getElementById("code").value.trim().toUpperCase();
  const r = await fetch("/v1/verify", {{method: "POST", headers: {{"Content-Type":
    "application/json"}}, body: JSON.stringify({{code, lang: "{lang}"}})}});
  if (r.status === 429) {{ out.className = "unknown"; out.textContent = M.limited; return; }}
  const body = await r.json();
  const shown = body.genuine ? "genuine" : body.possibly_sent ? "possibly" : "unknown";
  out.className = shown;
  out.textContent = M[shown].replace("{{date}}", body.sent_on || "")
    .replace("{{channel}}", C[body.channel] || body.channel || "")
    .replace("{{account}}", body.account_masked || "");
}});
</script>"""
