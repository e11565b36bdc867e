#!/usr/bin/env python3
"""intake-corpus.py - a Maildir of realistic report mails for bench/intake.sh

    intake-corpus.py MAILDIR N [PHISHURL_DIR]

Writes N mails into MAILDIR/new (through tmp/, the Maildir way) the way a CSIRT receives them:
Japanese reports in ISO-2022-JP and Shift_JIS and UTF-8, English reports, plain text and
multipart/alternative with HTML, forwarded phishing mails attached as message/rfc822, and
attachments (a base64 PDF-like or ZIP-like blob, a CSV of URLs). URLs are real phishing URLs from
tests/data/phishurl (sometimes defanged, as reporters write them); about 30 % of the mails
report one of a few hundred "campaign" URLs, so linking finds matches. Deterministic for a given
N (seeded), so runs compare.
"""
import base64
import csv
import glob
import os
import random
import sys
from email.header import Header

md, n = sys.argv[1], int(sys.argv[2])
src = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "phishurl")
rng = random.Random(20251126)
urls, brands = [], []
for path in sorted(glob.glob(os.path.join(src, "*.csv"))):
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("URL", "").startswith("http"):
                urls.append(row["URL"])
                brands.append(row.get("description") or "")
if not urls:
    sys.exit("intake-corpus.py: no URLs in " + src)
campaign = rng.sample(range(len(urls)), min(300, len(urls)))


def defang(u):
    r = rng.random()
    if r < 0.3:
        return u.replace("http", "hxxp", 1).replace(".", "[.]")
    if r < 0.4:
        return u.replace("://", "[:]//", 1)
    return u


def pick():
    if rng.random() < 0.3:
        i = rng.choice(campaign)
    else:
        i = rng.randrange(len(urls))
    # a unique path suffix on most non-campaign URLs keeps reports distinct
    return urls[i], brands[i]


JA = ["フィッシングサイトの報告です。以下の URL で{b}を装ったページが表示されます。",
      "お世話になっております。{b}をかたるメールを受信しました。リンク先は下記です。",
      "不審なSMSが届きました。{b}の偽サイトと思われます。ご確認をお願いいたします。",
      "三井住友カードを装ったフィッシングメールを転送します。誘導先: "]
EN = ["Hello, we found a phishing page impersonating {b} at the address below.",
      "Please take down the following credential phishing site ({b}).",
      "Forwarding a suspicious message our users received; the link leads to a fake {b} login."]


def headers(i, subject_hdr, frm, ctype, extra=""):
    return ("Return-Path: <%s>\nReceived: from mx%d.example.net (mx%d.example.net [192.0.2.%d])\n"
            "\tby mx.keikai.example with ESMTP id %08X; Wed, 26 Nov 2025 10:%02d:%02d +0900\n"
            "From: %s\nTo: report@keikai.example\nSubject: %s\nDate: Wed, 26 Nov 2025 10:%02d:%02d +0900\n"
            "Message-ID: <bench-%d-%d@example.net>\nMIME-Version: 1.0\n%sContent-Type: %s\n\n"
            % (frm, i % 9, i % 9, i % 250, i, i % 60, i % 59, frm, subject_hdr, i % 60, i % 59,
               i, rng.randrange(1 << 30), extra, ctype))


def ja_mail(i, charset):
    u, b = pick()
    body = rng.choice(JA).format(b=b or "金融機関") + "\n\n" + defang(u) + "\n\n" \
        + "受信日時: 2025年11月26日\n-- \nJPCERT 報告窓口 御中\n"
    subj = Header("【報告】フィッシングサイト %s (%d)" % (b[:20], i), charset).encode()
    enc = body.encode(charset, errors="replace")
    cte = "7bit" if charset == "iso-2022-jp" else "8bit"
    h = headers(i, subj, "reporter%d@example.co.jp" % (i % 5000),
                'text/plain; charset="%s"' % charset, "Content-Transfer-Encoding: %s\n" % cte)
    return h.encode("ascii") + enc


def en_html_mail(i):
    u, b = pick()
    text = rng.choice(EN).format(b=b or "a bank") + "\n\n" + defang(u) + "\n"
    html = ("<html><body><p>%s</p><p><a href=\"%s\">%s</a></p><p>Regards,<br>SOC team</p>"
            "</body></html>" % (rng.choice(EN).format(b=b or "a bank"), u, defang(u)))
    bd = "=_alt_%d" % i
    h = headers(i, "Phishing report: %s #%d" % (b[:30].encode("ascii", "ignore").decode() or "site", i),
                "soc%d@example.com" % (i % 800), 'multipart/alternative; boundary="%s"' % bd)
    return (h + "--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n--%s\n"
            "Content-Type: text/html; charset=utf-8\n\n%s\n--%s--\n" % (bd, text, bd, html, bd)).encode()


def forwarded_mail(i):
    u, b = pick()
    inner = ("From: \"%s\" <no-reply@%s>\nTo: victim@example.jp\nSubject: =?UTF-8?B?%s?=\n"
             "Date: Tue, 25 Nov 2025 21:00:00 +0900\nMIME-Version: 1.0\n"
             "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n%s\n"
             % (b[:20], "mail.example-brand.com",
                base64.b64encode(("【重要】%s アカウントの確認" % b).encode()).decode(),
                base64.encodebytes(("<p>お客様のアカウントが停止されました。</p><a href=\"%s\">"
                                    "こちらからログイン</a>" % u).encode()).decode()))
    bd = "=_fwd_%d" % i
    subj = Header("Fwd: 不審なメール (%d)" % i, "utf-8").encode()
    h = headers(i, subj, "user%d@example.ne.jp" % (i % 3000), 'multipart/mixed; boundary="%s"' % bd)
    return (h + "--%s\nContent-Type: text/plain; charset=utf-8\n\n以下のメールが届きました。転送します。\n"
            "--%s\nContent-Type: message/rfc822\nContent-Disposition: attachment\n\n%s\n--%s--\n"
            % (bd, bd, inner, bd)).encode()


def attachment_mail(i):
    u, b = pick()
    bd = "=_att_%d" % i
    blob = bytes(rng.randrange(256) for _ in range(rng.choice([2048, 6000, 12000])))
    rows = "date,url\n" + "".join("2025-11-26,%s\n" % defang(pick()[0]) for _ in range(5))
    h = headers(i, "Abuse report with evidence #%d" % i, "abuse%d@example.org" % (i % 400),
                'multipart/mixed; boundary="%s"' % bd)
    return (h + "--%s\nContent-Type: text/plain; charset=utf-8\n\nPhishing URL: %s\nSee attached.\n"
            "--%s\nContent-Type: application/pdf; name=\"evidence.pdf\"\n"
            "Content-Disposition: attachment; filename=\"evidence.pdf\"\n"
            "Content-Transfer-Encoding: base64\n\n%s--%s\nContent-Type: text/csv; name=\"urls.csv\"\n"
            "Content-Disposition: attachment; filename=\"urls.csv\"\n\n%s--%s--\n"
            % (bd, defang(u), bd, base64.encodebytes(blob).decode(), bd, rows, bd)).encode()


kinds = [(0.25, lambda i: ja_mail(i, "iso-2022-jp")), (0.10, lambda i: ja_mail(i, "shift_jis")),
         (0.15, lambda i: ja_mail(i, "utf-8")), (0.25, en_html_mail), (0.15, forwarded_mail),
         (0.10, attachment_mail)]
for d in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(md, d), exist_ok=True)
for i in range(n):
    r, acc = rng.random(), 0.0
    for p, fn in kinds:
        acc += p
        if r < acc:
            break
    data = fn(i)
    name = "1764118800.M%07dP1.bench" % i
    tmp = os.path.join(md, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(md, "new", name))
