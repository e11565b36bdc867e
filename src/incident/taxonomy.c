/* taxonomy.c - RSIT, categories, TLP 2.0 and the small vocabularies (taxonomy.h) */
#include "taxonomy.h"

#include <string.h>
#include <strings.h>

const struct tax_term tax_rsit_classes[] = {
    {"abusive-content", "Abusive content", "不適切なコンテンツ"},
    {"malicious-code", "Malicious code", "悪性コード"},
    {"information-gathering", "Information gathering", "情報収集"},
    {"intrusion-attempts", "Intrusion attempts", "侵入の試み"},
    {"intrusions", "Intrusions", "侵入"},
    {"availability", "Availability", "可用性"},
    {"information-content-security", "Information content security", "情報の安全性"},
    {"fraud", "Fraud", "詐欺"},
    {"vulnerable", "Vulnerable", "脆弱性"},
    {"other", "Other", "その他"},
    {"test", "Test", "テスト"},
    {NULL, NULL, NULL},
};

const struct rsit_type tax_rsit_types[] = {
    {"abusive-content", "spam", "Spam", "スパム", "other"},
    {"abusive-content", "harmful-speech", "Harmful speech", "有害な言論", "other"},
    {"abusive-content", "violence", "(Child) sexual exploitation, sexual or violent content",
     "児童の性的搾取・性的または暴力的なコンテンツ", "other"},
    {"malicious-code", "infected-system", "Infected system", "感染したシステム", "other"},
    {"malicious-code", "c2-server", "C2 server", "C2 サーバ", "malware_site"},
    {"malicious-code", "malware-distribution", "Malware distribution", "マルウエア配布",
     "malware_site"},
    {"malicious-code", "malware-configuration", "Malware configuration", "マルウエア設定",
     "malware_site"},
    {"information-gathering", "scanner", "Scanning", "スキャン", "scan"},
    {"information-gathering", "sniffing", "Sniffing", "盗聴", "other"},
    {"information-gathering", "social-engineering", "Social engineering",
     "ソーシャルエンジニアリング", "other"},
    {"intrusion-attempts", "ids-alert", "Exploitation of known vulnerabilities",
     "既知の脆弱性の悪用", "other"},
    {"intrusion-attempts", "brute-force", "Login attempts", "ログイン試行", "other"},
    {"intrusion-attempts", "exploit", "New attack signature", "新たな攻撃手法", "targeted"},
    {"intrusions", "privileged-account-compromise", "Privileged account compromise",
     "特権アカウントの侵害", "other"},
    {"intrusions", "unprivileged-account-compromise", "Unprivileged account compromise",
     "一般アカウントの侵害", "other"},
    {"intrusions", "application-compromise", "Application compromise", "アプリケーションの侵害",
     "other"},
    {"intrusions", "system-compromise", "System compromise", "システムの侵害", "other"},
    {"intrusions", "burglary", "Burglary", "物理的侵入", "other"},
    {"availability", "dos", "Denial of service", "サービス運用妨害 (DoS)", "dos"},
    {"availability", "ddos", "Distributed denial of service", "分散型サービス運用妨害 (DDoS)",
     "dos"},
    {"availability", "misconfiguration", "Misconfiguration", "設定の誤り", "other"},
    {"availability", "sabotage", "Sabotage", "妨害行為", "other"},
    {"availability", "outage", "Outage", "停止", "other"},
    {"information-content-security", "unauthorised-information-access",
     "Unauthorised access to information", "情報への不正アクセス", "other"},
    {"information-content-security", "unauthorised-information-modification",
     "Unauthorised modification of information (defacement)", "情報の不正な改変 (改ざん)",
     "defacement"},
    {"information-content-security", "data-loss", "Data loss", "データの消失", "other"},
    {"information-content-security", "data-leak", "Leak of confidential information",
     "機密情報の漏えい", "other"},
    {"fraud", "unauthorised-use-of-resources", "Unauthorised use of resources", "資源の不正利用",
     "other"},
    {"fraud", "copyright", "Copyright", "著作権侵害", "other"},
    {"fraud", "masquerade", "Masquerade", "なりすまし", "other"},
    {"fraud", "phishing", "Phishing", "フィッシング", "phishing"},
    {"vulnerable", "weak-crypto", "Weak cryptography", "脆弱な暗号", "other"},
    {"vulnerable", "ddos-amplifier", "DDoS amplifier", "DDoS 踏み台", "other"},
    {"vulnerable", "potentially-unwanted-accessible", "Potentially unwanted accessible services",
     "不要に公開されたサービス", "other"},
    {"vulnerable", "information-disclosure", "Information disclosure", "情報の露出", "other"},
    {"vulnerable", "vulnerable-system", "Vulnerable system", "脆弱なシステム", "other"},
    {"other", "other", "Uncategorised", "未分類", "other"},
    {"other", "undetermined", "Undetermined", "未確定", "other"},
    {"test", "test", "Test", "テスト", "other"},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct tax_term tax_categories[] = {
    {"phishing", "Phishing site", "フィッシングサイト"},
    {"defacement", "Website defacement", "Web サイト改ざん"},
    {"malware_site", "Malware distribution site", "マルウエアサイト"},
    {"scan", "Scan", "スキャン"},
    {"dos", "DoS/DDoS", "DoS/DDoS"},
    {"ics", "Control systems", "制御システム関連"},
    {"targeted", "Targeted attack", "標的型攻撃"},
    {"other", "Other", "その他"},
    {NULL, NULL, NULL},
};

const struct tax_term tax_tlp[] = {
    {"clear", "TLP:CLEAR", "TLP:CLEAR"}, {"green", "TLP:GREEN", "TLP:GREEN"},
    {"amber", "TLP:AMBER", "TLP:AMBER"}, {"amber+strict", "TLP:AMBER+STRICT", "TLP:AMBER+STRICT"},
    {"red", "TLP:RED", "TLP:RED"},	 {NULL, NULL, NULL},
};

const struct tax_term tax_priorities[] = {
    {"low", "Low", "低"},   {"normal", "Normal", "中"},
    {"high", "High", "高"}, {"critical", "Critical", "緊急"},
    {NULL, NULL, NULL},
};

const struct tax_term tax_incident_status[] = {
    {"open", "Open", "対応中"},
    {"resolved", "Resolved", "解決"},
    {"rejected", "Rejected", "対象外"},
    {"merged", "Merged", "統合済み"},
    {NULL, NULL, NULL},
};

const struct tax_term tax_report_status[] = {
    {"new", "New", "新規"},
    {"triaged", "Triaged", "分類済み"},
    {"rejected", "Rejected", "対象外"},
    {NULL, NULL, NULL},
};

const struct tax_term tax_channels[] = {
    {"web", "Web form", "Web フォーム"}, {"api", "API", "API"},
    {"email", "E-mail", "メール"},	 {"fax", "Fax", "FAX"},
    {"phone", "Phone", "電話"},		 {NULL, NULL, NULL},
};

const struct rsit_type *tax_rsit_find(const char *class_key, const char *type_key)
{
	if (!class_key || !type_key)
		return NULL;
	for (const struct rsit_type *t = tax_rsit_types; t->class_key; t++)
		if (strcmp(t->class_key, class_key) == 0 && strcmp(t->type_key, type_key) == 0)
			return t;
	return NULL;
}

const struct tax_term *tax_find(const struct tax_term *table, const char *key)
{
	if (!key)
		return NULL;
	for (const struct tax_term *t = table; t->key; t++)
		if (strcmp(t->key, key) == 0)
			return t;
	return NULL;
}

const char *tax_tlp_canon(const char *s)
{
	if (!s)
		return NULL;
	while (*s == ' ')
		s++;
	if (strncasecmp(s, "tlp:", 4) == 0 || strncasecmp(s, "tlp-", 4) == 0)
		s += 4;
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	/* TLP 1.0's WHITE became CLEAR in 2.0 */
	if (n == 5 && strncasecmp(s, "white", 5) == 0)
		return "clear";
	for (const struct tax_term *t = tax_tlp; t->key; t++)
		if (strlen(t->key) == n && strncasecmp(s, t->key, n) == 0)
			return t->key;
	return NULL;
}

int tax_tlp_rank(const char *label)
{
	const char *c = tax_tlp_canon(label);
	if (!c)
		return -1;
	int i = 0;
	for (const struct tax_term *t = tax_tlp; t->key; t++, i++)
		if (strcmp(t->key, c) == 0)
			return i;
	return -1;
}
