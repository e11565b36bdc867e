#!/usr/bin/env python3
"""mail-gen.py - mails of the kinds a CSIRT receives, written the way their mailers write them

  mail-gen.py fixtures DIR                 the fixed test fixtures (tests/data/mail/*.eml)
  mail-gen.py maildir DIR -n N [--seed S]  N varied mails as a Maildir (DIR/{cur,new,tmp})
  mail-gen.py mbox FILE -n N [--seed S]    the same as one mbox file

The phishing URLs come from a CSV of the JPCERT/CC phishurl list (date,URL,description); by
default tests/data/mail/phishurl-sample.csv, or --urls FILE... for others. Japanese text is
encoded with Python's codecs (iso2022_jp, cp932, euc_jp), transfer encodings with base64 and
quopri: nothing is written as escape sequences by hand. Output is deterministic for a seed.
"""
import argparse
import base64
import csv
import gzip
import os
import quopri
import random
import subprocess
import sys
import urllib.parse
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, '..', 'tests', 'data', 'mail', 'phishurl-sample.csv')
JST = timezone(timedelta(hours=9))


def b64lines(data):
    s = base64.b64encode(data).decode('ascii')
    return '\n'.join(s[i:i + 76] for i in range(0, len(s), 76)) + '\n'


def ew(text, charset, codec=None):
    """RFC 2047 B encoded word(s), split so that each stays under 75 characters."""
    codec = codec or charset
    out, chunk = [], ''
    for ch in text:
        trial = chunk + ch
        enc = trial.encode(codec)
        if len(base64.b64encode(enc)) + len(charset) + 7 > 75 and chunk:
            out.append(chunk)
            chunk = ch
        else:
            chunk = trial
    if chunk:
        out.append(chunk)
    return '\n '.join('=?%s?B?%s?=' % (charset, base64.b64encode(c.encode(codec)).decode())
                      for c in out)


def defang(url):
    u = url.replace('http', 'hxxp', 1)
    host = urllib.parse.urlsplit(url).hostname or ''
    return u.replace(host, host.replace('.', '[.]'), 1)


def date_hdr(dt):
    return format_datetime(dt)


def msgid(rnd, domain):
    return '<%08x.%04x.%s@%s>' % (rnd.getrandbits(32), rnd.getrandbits(16),
                                   format(rnd.getrandbits(40), 'x'), domain)


def boundary(rnd, style):
    if style == 'thunderbird':
        return '------------%s' % ''.join(rnd.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')
                                          for _ in range(24))
    if style == 'outlook':
        return '_000_TYAPR01MB%04d%sapcprdoutl_' % (rnd.randrange(10000),
                                                    format(rnd.getrandbits(48), 'X'))
    if style == 'gmail':
        return '000000000000%s' % format(rnd.getrandbits(48), '012x')
    return 'Apple-Mail=_%s' % format(rnd.getrandbits(64), 'X')


def crlf(s):
    return s.replace('\r\n', '\n').replace('\n', '\r\n')


# ---- the shapes: each returns bytes; u is a (date, url, brand) row ----

def jis_thunderbird(rnd, u, when, reporter='山田 太郎', addr='t.yamada@example.co.jp'):
    subj = 'フィッシングサイトの報告（%s）' % u[2]
    body = ('JPCERT/CC 御中\n\n'
            'いつもお世話になっております。%sの山田です。\n'
            '本日、%sを騙るフィッシングメールを受信しましたので報告いたします。\n'
            'メール本文に記載されていたURLは以下のとおりです。\n\n'
            '  %s\n\n'
            '誤ってアクセスしないよう、URLは無害化して記載しています。\n'
            'ご確認のほど、よろしくお願いいたします。\n\n'
            '-- \n山田 太郎 <%s>\n' % ('株式会社サンプル', u[2], defang(u[1]), addr))
    hdr = ('From: %s <%s>\n' % (ew(reporter, 'ISO-2022-JP', 'iso2022_jp'), addr) +
           'To: info@jpcert.or.jp\n'
           'Subject: %s\n' % ew(subj, 'ISO-2022-JP', 'iso2022_jp') +
           'Message-ID: %s\n' % msgid(rnd, 'example.co.jp') +
           'Date: %s\n' % date_hdr(when) +
           'MIME-Version: 1.0\n'
           'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:102.0) Gecko/20100101\n'
           ' Thunderbird/102.15.1\n'
           'Content-Language: ja\n'
           'Content-Type: text/plain; charset=ISO-2022-JP\n'
           'Content-Transfer-Encoding: 7bit\n\n')
    return hdr.encode('ascii') + body.encode('iso2022_jp')


def sjis_outlook(rnd, u, when):
    subj = '【至急】①%sを装ったフィッシングメールについて' % u[2]
    name = '佐藤 花子'
    body = ('ご担当者様\n\n'
            '情報システム部の佐藤です。\n'
            '以下の件、ご対応をお願いいたします。\n\n'
            '① 受信日時：%s\n'
            '② 件名：「お客様のアカウントを一時停止しました」\n'
            '③ 誘導先：%s\n\n'
            '受信者数は約10～20名です。社内への注意喚起は実施済みです。\n'
            '㈱サンプル商事 情報システム部\n' % (when.strftime('%Y年%m月%d日 %H:%M'),
                                           defang(u[1])))
    hdr = ('From: ' + '"%s"' % name + ' <h.sato@sample-shoji.co.jp>\n').encode('cp932')
    hdr += ('To: "info@jpcert.or.jp" <info@jpcert.or.jp>\n'
            'Subject: %s\n' % ew(subj, 'shift_jis', 'cp932') +
            'Thread-Topic: %s\n' % ew(subj, 'shift_jis', 'cp932') +
            'Thread-Index: AdV%s==\n' % format(rnd.getrandbits(60), 'x') +
            'Date: %s\n' % when.astimezone(timezone.utc).strftime('%a, %d %b %Y %H:%M:%S +0000') +
            'Message-ID: %s\n' % msgid(rnd, 'TYAPR01MB2990.jpnprd01.prod.outlook.com') +
            'Accept-Language: ja-JP, en-US\n'
            'Content-Language: ja-JP\n'
            'X-MS-Has-Attach: \n'
            'X-Mailer: Microsoft Outlook 16.0\n'
            'Content-Type: text/plain; charset="shift_jis"\n'
            'Content-Transfer-Encoding: 8bit\n'
            'MIME-Version: 1.0\n\n').encode('ascii')
    return crlf_bytes(hdr + body.encode('cp932'))


def nkf_jis(text):
    """ISO-2022-JP as Windows mailers write it (CP50220: NEC row 13 such as ① and ㈱, IBM
    extensions such as 髙), which Python's iso2022_jp codec refuses: encoded by nkf."""
    return subprocess.run(['nkf', '-W', '-j', '-x'], input=text.encode('utf-8'),
                          stdout=subprocess.PIPE, check=True).stdout


def jis_outlook_nec(rnd, u, when):
    subj = '①%sの偽サイト（㈱髙橋商店より）' % u[2]
    body = ('JPCERT/CC ご担当者様\n\n'
            '㈱髙橋商店の髙橋です。\n'
            '① 取引先を名乗るメールに、%sを装ったサイトへのリンクがありました。\n'
            '② リンク先：%s\n'
            '③ 当社の被害はありません。\n' % (u[2], defang(u[1])))
    hdr = ('From: =?iso-2022-jp?B?%s?= <takahashi@takahashi-shoten.example.jp>\n' %
           base64.b64encode(nkf_jis('髙橋 一郎')).decode() +
           'To: "info@jpcert.or.jp" <info@jpcert.or.jp>\n'
           'Subject: =?iso-2022-jp?B?%s?=\n' % base64.b64encode(nkf_jis(subj)).decode() +
           'Date: %s\n' % date_hdr(when) +
           'Message-ID: %s\n' % msgid(rnd, 'TYCPR01MB8123.jpnprd01.prod.outlook.com') +
           'Accept-Language: ja-JP, en-US\n'
           'Content-Language: ja-JP\n'
           'X-Mailer: Microsoft Outlook 16.0\n'
           'Content-Type: text/plain; charset="iso-2022-jp"\n'
           'Content-Transfer-Encoding: 7bit\n'
           'MIME-Version: 1.0\n\n')
    return crlf_bytes(hdr.encode('ascii') + nkf_jis(body))


def crlf_bytes(b):
    return b.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')


def eucjp_wanderlust(rnd, u, when):
    subj = '不審なサイトの報告 %s' % u[2]
    body = ('お世話になります。大学の情報基盤センターの鈴木です。\n'
            '学内の利用者から、次のサイトへ誘導するメールが届いたとの連絡がありました。\n\n'
            '%s\n\n'
            'ログイン画面を模した偽サイトであることを確認しています。\n'
            'テイクダウンの調整をお願いできますでしょうか。\n' % defang(u[1]))
    hdr = ('Date: %s\n' % date_hdr(when) +
           'Message-ID: %s\n' % msgid(rnd, 'cc.example-u.ac.jp') +
           'From: Ichiro Suzuki <suzuki@cc.example-u.ac.jp>\n'
           'To: info@jpcert.or.jp\n').encode('ascii')
    hdr += ('Subject: %s\n' % subj).encode('euc_jp')  # raw 8-bit, as some Unix mailers send
    hdr += ('User-Agent: Wanderlust/2.15.9 (Almost Unreal) Emacs/27.1 Mule/6.0\n'
            'MIME-Version: 1.0 (generated by SEMI-EPG 1.14.7 - "Harue")\n'
            'Content-Type: text/plain; charset=EUC-JP\n'
            'Content-Transfer-Encoding: 8bit\n\n').encode('ascii')
    return hdr + body.encode('euc_jp')


def utf8_qp_apple(rnd, u, when):
    subj = 'Phishing report: %s のなりすましサイト' % u[2]
    body = ('Hello,\n\n'
            '%sになりすましたSMSを受け取りました。リンク先は次のとおりです：\n'
            '%s\n'
            'The page asks for the card number and the security code.\n\n'
            'Best regards,\nKenji Tanaka\n' % (u[2], u[1]))
    qp = quopri.encodestring(body.encode('utf-8')).decode('ascii')
    hdr = ('From: Kenji Tanaka <kenji.tanaka@example.net>\n'
           'Content-Type: text/plain;\n\tcharset=utf-8\n'
           'Content-Transfer-Encoding: quoted-printable\n'
           'Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3731.600.7\\))\n'
           'Subject: %s\n' % ew(subj, 'utf-8') +
           'Message-Id: %s\n' % msgid(rnd, 'example.net') +
           'Date: %s\n' % date_hdr(when) +
           'To: info@jpcert.or.jp\n'
           'X-Mailer: Apple Mail (2.3731.600.7)\n\n')
    return (hdr + qp).encode('ascii')


def lure_html(u):
    return ('<html><head><meta charset="utf-8"><title>%s</title>'
            '<style>p{font-size:14px}</style></head><body>\n'
            '<p>%s をご利用いただきありがとうございます。</p>\n'
            '<p>お客様のアカウントで異常なログインが検出されたため、アカウントを一時的に'
            '停止しました。</p>\n'
            '<p>24時間以内に以下のリンクから本人確認を完了してください。</p>\n'
            '<p><a href="%s">アカウントを確認する</a></p>\n'
            '<p>&copy; %s &amp; 関連会社</p>\n'
            '</body></html>\n' % (u[2], u[2], u[1], u[2]))


def html_only_b64(rnd, u, when):
    host = 'mail.%s-support.info' % (''.join(c for c in u[2].lower() if c.isascii() and c.isalnum()) or 'account')[:10]
    hdr = ('Return-Path: <no-reply@%s>\n' % host +
           'From: =?UTF-8?B?%s?= <no-reply@%s>\n' % (
               base64.b64encode(('%s カスタマーサービス' % u[2]).encode()).decode(), host) +
           'To: victim@example.jp\n'
           'Subject: %s\n' % ew('【重要】お客様のアカウントが停止されました', 'UTF-8') +
           'Date: %s\n' % date_hdr(when) +
           'Message-ID: %s\n' % msgid(rnd, host) +
           'MIME-Version: 1.0\n'
           'Content-Type: text/html; charset="UTF-8"\n'
           'Content-Transfer-Encoding: base64\n\n')
    return (hdr + b64lines(lure_html(u).encode('utf-8'))).encode('ascii')


def alternative_gmail(rnd, u, when):
    b = boundary(rnd, 'gmail')
    plain = ('お疲れさまです。\n下記のURLがSMSで届きました。%sの偽サイトと思われます。\n%s\n'
             '確認をお願いします。\n' % (u[2], u[1]))
    html = ('<div dir="ltr">お疲れさまです。<div>下記のURLがSMSで届きました。%sの偽サイトと'
            '思われます。</div><div><a href="%s">%s</a></div><div>確認をお願いします。'
            '</div></div>\n' % (u[2], u[1], u[1]))
    hdr = ('MIME-Version: 1.0\n'
           'From: =?UTF-8?B?%s?= <hanako.ito@gmail.com>\n' % base64.b64encode(
               '伊藤花子'.encode()).decode() +
           'Date: %s\n' % date_hdr(when) +
           'Message-ID: <CAB%s@mail.gmail.com>\n' % base64.b64encode(
               rnd.getrandbits(256).to_bytes(32, 'big')).decode().rstrip('=') +
           'Subject: %s\n' % ew('SMSで届いた不審なURL', 'UTF-8') +
           'To: info@jpcert.or.jp\n'
           'Content-Type: multipart/alternative; boundary="%s"\n\n' % b)
    s = (hdr + '--%s\nContent-Type: text/plain; charset="UTF-8"\n'
         'Content-Transfer-Encoding: base64\n\n' % b + b64lines(plain.encode()) +
         '\n--%s\nContent-Type: text/html; charset="UTF-8"\n'
         'Content-Transfer-Encoding: quoted-printable\n\n' % b +
         quopri.encodestring(html.encode()).decode('ascii') + '\n--%s--\n' % b)
    return s.encode('ascii')


def forwarded_rfc822(rnd, u, when):
    inner_when = when - timedelta(hours=3)
    inner = alternative_lure(rnd, u, inner_when)
    b = boundary(rnd, 'thunderbird')
    note = ('転送します。昨日から社内に同じ内容のメールが複数届いています。\n'
            '添付のメールの誘導先を確認してください。\n')
    fname = ew('%sを装ったメール.eml' % u[2], 'ISO-2022-JP', 'iso2022_jp')
    hdr = ('Content-Type: multipart/mixed; boundary="%s"\n' % b +
           'Message-ID: %s\n' % msgid(rnd, 'example.co.jp') +
           'Date: %s\n' % date_hdr(when) +
           'MIME-Version: 1.0\n'
           'User-Agent: Mozilla Thunderbird\n'
           'From: =?ISO-2022-JP?B?%s?= <soc@example.co.jp>\n' % base64.b64encode(
               'セキュリティ運用センター'.encode('iso2022_jp')).decode() +
           'To: info@jpcert.or.jp\n'
           'Subject: %s\n' % ew('Fwd: 【重要】お支払い方法の確認', 'ISO-2022-JP', 'iso2022_jp') +
           '\nThis is a multi-part message in MIME format.\n')
    out = (hdr + '--%s\nContent-Type: text/plain; charset=ISO-2022-JP\n'
           'Content-Transfer-Encoding: 7bit\n\n' % b).encode('ascii')
    out += note.encode('iso2022_jp')
    out += ('\n--%s\nContent-Type: message/rfc822; charset=UTF-8; name="%s"\n'
            'Content-Disposition: attachment; filename="%s"\n\n' % (b, fname, fname)
            ).encode('ascii')
    out += inner + ('\n--%s--\n' % b).encode('ascii')
    return out


def alternative_lure(rnd, u, when):
    b = boundary(rnd, 'gmail')
    plain = ('%s をご利用いただきありがとうございます。\n'
             'お支払い方法に問題があるため、ご注文を保留しています。\n'
             '以下のURLからお支払い情報を更新してください。\n%s\n' % (u[2], u[1]))
    name = '"%s"' % u[2] if u[2].isascii() else ew(u[2], 'UTF-8')
    hdr = ('From: %s <account-update@%s>\n' % (name, 'secure-mail-notice.com') +
           'To: soc-member@example.co.jp\n'
           'Subject: %s\n' % ew('【重要】お支払い方法の確認', 'UTF-8') +
           'Date: %s\n' % date_hdr(when) +
           'Message-ID: %s\n' % msgid(rnd, 'secure-mail-notice.com') +
           'MIME-Version: 1.0\n'
           'Content-Type: multipart/alternative; boundary="%s"\n\n' % b)
    s = (hdr + '--%s\nContent-Type: text/plain; charset=UTF-8\n'
         'Content-Transfer-Encoding: base64\n\n' % b + b64lines(plain.encode()) +
         '--%s\nContent-Type: text/html; charset=UTF-8\n'
         'Content-Transfer-Encoding: base64\n\n' % b + b64lines(lure_html(u).encode()) +
         '--%s--\n' % b)
    return s.encode('ascii')


def abuse_csv(rnd, u, when, nrows=40):
    b = boundary(rnd, 'thunderbird')
    rows = ['timestamp_utc,src_ip,src_port,dst_port,proto,count']
    for i in range(nrows):
        ip = '%d.%d.%d.%d' % (rnd.choice([45, 89, 185, 193, 222]), rnd.randrange(256),
                              rnd.randrange(256), rnd.randrange(1, 255))
        t = when - timedelta(minutes=5 * (nrows - i))
        rows.append('%s,%s,%d,%d,tcp,%d' % (t.astimezone(timezone.utc).strftime(
            '%Y-%m-%dT%H:%M:%SZ'), ip, rnd.randrange(1024, 65536),
            rnd.choice([22, 23, 445, 3389, 8080]), rnd.randrange(1, 5000)))
    csvdata = ('\r\n'.join(rows) + '\r\n').encode('ascii')
    blob = gzip.compress(bytes(rnd.getrandbits(8) for _ in range(600)), mtime=0)
    text = ('Dear abuse team,\n\n'
            'Our sensors recorded scanning from addresses in your network. The attached\n'
            'CSV lists the sources, ports and counts (times in UTC). A capture excerpt is\n'
            'attached as well. One of the hosts also serves a phishing page: %s\n\n'
            'Please investigate and take appropriate action.\n\n'
            '-- \nExample Networks Abuse Desk <abuse@example-networks.net>\n' % defang(u[1]))
    fname = 'scan-sources-%s.csv' % when.strftime('%Y%m%d')
    s = ('From: Example Networks Abuse Desk <abuse@example-networks.net>\n'
         'To: abuse@example.jp\n'
         'Subject: [AbuseReport #%d] Port scanning from your network\n' % rnd.randrange(
             100000, 999999) +
         'Date: %s\n' % format_datetime(when.astimezone(timezone.utc)) +
         'Message-ID: %s\n' % msgid(rnd, 'example-networks.net') +
         'MIME-Version: 1.0\n'
         'Content-Type: multipart/mixed; boundary="%s"\n\n' % b +
         'This is a multi-part message in MIME format.\n'
         '--%s\nContent-Type: text/plain; charset=us-ascii\n'
         'Content-Transfer-Encoding: 7bit\n\n' % b + text +
         '\n--%s\nContent-Type: text/csv; charset=us-ascii; name="%s"\n'
         'Content-Transfer-Encoding: base64\n'
         'Content-Disposition: attachment; filename="%s"\n\n' % (b, fname, fname) +
         b64lines(csvdata) +
         '\n--%s\nContent-Type: application/gzip; name="capture-excerpt.pcap.gz"\n'
         'Content-Transfer-Encoding: base64\n'
         'Content-Disposition: attachment; filename="capture-excerpt.pcap.gz"\n\n' % b +
         b64lines(blob) + '\n--%s--\n' % b)
    return s.encode('ascii')


def rfc2231_attachment(rnd, u, when):
    b = boundary(rnd, 'outlook')
    fname = 'フィッシング被害報告書_%s.pdf' % when.strftime('%Y%m%d')
    pct = urllib.parse.quote(fname.encode('utf-8'), safe='')
    # split into RFC 2231 continuations as long parameter values are
    cont, parts = '', [pct[i:i + 60] for i in range(0, len(pct), 60)]
    for i, p in enumerate(parts):
        cont += ';\n\tfilename*%d*=%s%s' % (i, "UTF-8''" if i == 0 else '', p)
    pdf = (b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n' +
           bytes(rnd.getrandbits(8) for _ in range(300)) + b'\n%%EOF\n')
    body = ('ご担当者様\n\n被害状況の報告書を添付いたします。\n'
            '誘導先のURL：%s\n\nよろしくお願いいたします。\n' % defang(u[1]))
    s = ('From: =?utf-8?B?%s?= <kimura@example.lg.jp>\n' % base64.b64encode(
        '木村 健'.encode()).decode() +
         'To: info@jpcert.or.jp\n'
         'Subject: %s\n' % ew('被害報告書の送付', 'utf-8') +
         'Date: %s\n' % date_hdr(when) +
         'Message-ID: %s\n' % msgid(rnd, 'example.lg.jp') +
         'Content-Type: multipart/mixed; boundary="%s"\n' % b +
         'MIME-Version: 1.0\n\n'
         '--%s\nContent-Type: text/plain; charset="utf-8"\n'
         'Content-Transfer-Encoding: base64\n\n' % b + b64lines(body.encode()) +
         '\n--%s\nContent-Type: application/pdf; name="%s"\n' % (b, ew(fname, 'utf-8')) +
         'Content-Description: %s\n' % ew(fname, 'utf-8') +
         'Content-Disposition: attachment%s;\n\tsize=%d\n' % (cont, len(pdf)) +
         'Content-Transfer-Encoding: base64\n\n' + b64lines(pdf) + '\n--%s--\n' % b)
    return crlf_bytes(s.encode('ascii'))


SHAPES = [
    ('jis-thunderbird', jis_thunderbird),
    ('sjis-outlook', sjis_outlook),
    ('eucjp-wanderlust', eucjp_wanderlust),
    ('utf8-qp-apple', utf8_qp_apple),
    ('html-only-base64', html_only_b64),
    ('alternative-gmail', alternative_gmail),
    ('forwarded-rfc822', forwarded_rfc822),
    ('abuse-csv-attachments', abuse_csv),
    ('rfc2231-filename', rfc2231_attachment),
    ('jis-outlook-nec', jis_outlook_nec),
]


def load_urls(paths):
    rows = []
    for p in paths:
        with open(p, newline='', encoding='utf-8') as f:
            for r in csv.DictReader(f):
                rows.append((r['date'], r['URL'], r['description']))
    if not rows:
        sys.exit('mail-gen: no URLs in %s' % ', '.join(paths))
    return rows


def when_of(row):
    return datetime.strptime(row[0], '%Y/%m/%d %H:%M:%S').replace(tzinfo=JST)


def fixtures(outdir, urls):
    """One mail per shape, each with the URL of the same index in the sample."""
    os.makedirs(outdir, exist_ok=True)
    for i, (name, fn) in enumerate(SHAPES):
        rnd = random.Random(i)
        u = urls[i % len(urls)]
        with open(os.path.join(outdir, name + '.eml'), 'wb') as f:
            f.write(fn(rnd, u, when_of(u) + timedelta(minutes=7)))


def corpus(n, seed, urls):
    rnd = random.Random(seed)
    for i in range(n):
        name, fn = SHAPES[rnd.randrange(len(SHAPES))]
        while True:
            u = urls[rnd.randrange(len(urls))]
            when = when_of(u) + timedelta(minutes=rnd.randrange(1, 600))
            try:
                data = fn(rnd, u, when)
                break
            except UnicodeEncodeError:  # a brand name the shape's Japanese charset lacks
                continue
        yield name, data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('mode', choices=['fixtures', 'maildir', 'mbox'])
    ap.add_argument('out')
    ap.add_argument('-n', type=int, default=1000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--urls', nargs='+', default=[SAMPLE])
    a = ap.parse_args()
    urls = load_urls(a.urls)
    if a.mode == 'fixtures':
        fixtures(a.out, urls)
    elif a.mode == 'maildir':
        for d in ('cur', 'new', 'tmp'):
            os.makedirs(os.path.join(a.out, d), exist_ok=True)
        for i, (name, data) in enumerate(corpus(a.n, a.seed, urls)):
            with open(os.path.join(a.out, 'new', '%d.%06d.%s' % (1546300800 + i, i, name)),
                      'wb') as f:
                f.write(data)
    else:
        with open(a.out, 'wb') as f:
            for name, data in corpus(a.n, a.seed, urls):
                data = data.replace(b'\r\n', b'\n')
                # mboxrd: quote "From " lines (and already quoted ones) inside the message
                lines = [b'>' + ln if ln.lstrip(b'>').startswith(b'From ') else ln
                         for ln in data.split(b'\n')]
                f.write(b'From MAILER-DAEMON Thu Jan  1 00:00:00 2019\n' + b'\n'.join(lines))
                if not data.endswith(b'\n'):
                    f.write(b'\n')
                f.write(b'\n')


if __name__ == '__main__':
    main()
