/* geo-names.c - country names in English and Japanese
 *
 * One row per ISO 3166 alpha-2 code the libloc database uses (its list includes a few
 * historical and regional codes: AN, CS, FX, AP, EU), plus XK. Names are the short forms used
 * in everyday writing; the Japanese ones follow common Japanese usage. Rows are sorted by code
 * (binary search); test-geo checks the order and that every code of the installed database has
 * a row.
 */
#include "geo.h"

#include <string.h>

#include "banned.h"

struct geo_country {
	char code[3];
	const char *en;
	const char *ja;
};

static const struct geo_country geo_countries[] = {
    {"AD", "Andorra", "アンドラ"},
    {"AE", "United Arab Emirates", "アラブ首長国連邦"},
    {"AF", "Afghanistan", "アフガニスタン"},
    {"AG", "Antigua and Barbuda", "アンティグア・バーブーダ"},
    {"AI", "Anguilla", "アンギラ"},
    {"AL", "Albania", "アルバニア"},
    {"AM", "Armenia", "アルメニア"},
    {"AN", "Netherlands Antilles", "オランダ領アンティル"},
    {"AO", "Angola", "アンゴラ"},
    {"AP", "Asia/Pacific Region", "アジア太平洋地域"},
    {"AQ", "Antarctica", "南極"},
    {"AR", "Argentina", "アルゼンチン"},
    {"AS", "American Samoa", "米領サモア"},
    {"AT", "Austria", "オーストリア"},
    {"AU", "Australia", "オーストラリア"},
    {"AW", "Aruba", "アルバ"},
    {"AX", "Åland Islands", "オーランド諸島"},
    {"AZ", "Azerbaijan", "アゼルバイジャン"},
    {"BA", "Bosnia and Herzegovina", "ボスニア・ヘルツェゴビナ"},
    {"BB", "Barbados", "バルバドス"},
    {"BD", "Bangladesh", "バングラデシュ"},
    {"BE", "Belgium", "ベルギー"},
    {"BF", "Burkina Faso", "ブルキナファソ"},
    {"BG", "Bulgaria", "ブルガリア"},
    {"BH", "Bahrain", "バーレーン"},
    {"BI", "Burundi", "ブルンジ"},
    {"BJ", "Benin", "ベナン"},
    {"BL", "Saint Barthélemy", "サン・バルテルミー"},
    {"BM", "Bermuda", "バミューダ諸島"},
    {"BN", "Brunei", "ブルネイ"},
    {"BO", "Bolivia", "ボリビア"},
    {"BQ", "Caribbean Netherlands", "カリブ・オランダ"},
    {"BR", "Brazil", "ブラジル"},
    {"BS", "Bahamas", "バハマ"},
    {"BT", "Bhutan", "ブータン"},
    {"BV", "Bouvet Island", "ブーベ島"},
    {"BW", "Botswana", "ボツワナ"},
    {"BY", "Belarus", "ベラルーシ"},
    {"BZ", "Belize", "ベリーズ"},
    {"CA", "Canada", "カナダ"},
    {"CC", "Cocos (Keeling) Islands", "ココス(キーリング)諸島"},
    {"CD", "DR Congo", "コンゴ民主共和国"},
    {"CF", "Central African Republic", "中央アフリカ"},
    {"CG", "Republic of the Congo", "コンゴ共和国"},
    {"CH", "Switzerland", "スイス"},
    {"CI", "Côte d'Ivoire", "コートジボワール"},
    {"CK", "Cook Islands", "クック諸島"},
    {"CL", "Chile", "チリ"},
    {"CM", "Cameroon", "カメルーン"},
    {"CN", "China", "中国"},
    {"CO", "Colombia", "コロンビア"},
    {"CR", "Costa Rica", "コスタリカ"},
    {"CS", "Serbia and Montenegro", "セルビア・モンテネグロ"},
    {"CU", "Cuba", "キューバ"},
    {"CV", "Cabo Verde", "カーボベルデ"},
    {"CW", "Curaçao", "キュラソー"},
    {"CX", "Christmas Island", "クリスマス島"},
    {"CY", "Cyprus", "キプロス"},
    {"CZ", "Czechia", "チェコ"},
    {"DE", "Germany", "ドイツ"},
    {"DJ", "Djibouti", "ジブチ"},
    {"DK", "Denmark", "デンマーク"},
    {"DM", "Dominica", "ドミニカ国"},
    {"DO", "Dominican Republic", "ドミニカ共和国"},
    {"DZ", "Algeria", "アルジェリア"},
    {"EC", "Ecuador", "エクアドル"},
    {"EE", "Estonia", "エストニア"},
    {"EG", "Egypt", "エジプト"},
    {"EH", "Western Sahara", "西サハラ"},
    {"ER", "Eritrea", "エリトリア"},
    {"ES", "Spain", "スペイン"},
    {"ET", "Ethiopia", "エチオピア"},
    {"EU", "European Union", "欧州連合"},
    {"FI", "Finland", "フィンランド"},
    {"FJ", "Fiji", "フィジー"},
    {"FK", "Falkland Islands", "フォークランド諸島"},
    {"FM", "Micronesia", "ミクロネシア連邦"},
    {"FO", "Faroe Islands", "フェロー諸島"},
    {"FR", "France", "フランス"},
    {"FX", "Metropolitan France", "フランス本土"},
    {"GA", "Gabon", "ガボン"},
    {"GB", "United Kingdom", "イギリス"},
    {"GD", "Grenada", "グレナダ"},
    {"GE", "Georgia", "ジョージア"},
    {"GF", "French Guiana", "仏領ギアナ"},
    {"GG", "Guernsey", "ガーンジー"},
    {"GH", "Ghana", "ガーナ"},
    {"GI", "Gibraltar", "ジブラルタル"},
    {"GL", "Greenland", "グリーンランド"},
    {"GM", "Gambia", "ガンビア"},
    {"GN", "Guinea", "ギニア"},
    {"GP", "Guadeloupe", "グアドループ"},
    {"GQ", "Equatorial Guinea", "赤道ギニア"},
    {"GR", "Greece", "ギリシャ"},
    {"GS", "South Georgia and the South Sandwich Islands",
     "サウスジョージア・サウスサンドウィッチ諸島"},
    {"GT", "Guatemala", "グアテマラ"},
    {"GU", "Guam", "グアム"},
    {"GW", "Guinea-Bissau", "ギニアビサウ"},
    {"GY", "Guyana", "ガイアナ"},
    {"HK", "Hong Kong", "香港"},
    {"HM", "Heard Island and McDonald Islands", "ハード島・マクドナルド諸島"},
    {"HN", "Honduras", "ホンジュラス"},
    {"HR", "Croatia", "クロアチア"},
    {"HT", "Haiti", "ハイチ"},
    {"HU", "Hungary", "ハンガリー"},
    {"ID", "Indonesia", "インドネシア"},
    {"IE", "Ireland", "アイルランド"},
    {"IL", "Israel", "イスラエル"},
    {"IM", "Isle of Man", "マン島"},
    {"IN", "India", "インド"},
    {"IO", "British Indian Ocean Territory", "英領インド洋地域"},
    {"IQ", "Iraq", "イラク"},
    {"IR", "Iran", "イラン"},
    {"IS", "Iceland", "アイスランド"},
    {"IT", "Italy", "イタリア"},
    {"JE", "Jersey", "ジャージー"},
    {"JM", "Jamaica", "ジャマイカ"},
    {"JO", "Jordan", "ヨルダン"},
    {"JP", "Japan", "日本"},
    {"KE", "Kenya", "ケニア"},
    {"KG", "Kyrgyzstan", "キルギス"},
    {"KH", "Cambodia", "カンボジア"},
    {"KI", "Kiribati", "キリバス"},
    {"KM", "Comoros", "コモロ"},
    {"KN", "Saint Kitts and Nevis", "セントクリストファー・ネービス"},
    {"KP", "North Korea", "北朝鮮"},
    {"KR", "South Korea", "韓国"},
    {"KW", "Kuwait", "クウェート"},
    {"KY", "Cayman Islands", "ケイマン諸島"},
    {"KZ", "Kazakhstan", "カザフスタン"},
    {"LA", "Laos", "ラオス"},
    {"LB", "Lebanon", "レバノン"},
    {"LC", "Saint Lucia", "セントルシア"},
    {"LI", "Liechtenstein", "リヒテンシュタイン"},
    {"LK", "Sri Lanka", "スリランカ"},
    {"LR", "Liberia", "リベリア"},
    {"LS", "Lesotho", "レソト"},
    {"LT", "Lithuania", "リトアニア"},
    {"LU", "Luxembourg", "ルクセンブルク"},
    {"LV", "Latvia", "ラトビア"},
    {"LY", "Libya", "リビア"},
    {"MA", "Morocco", "モロッコ"},
    {"MC", "Monaco", "モナコ"},
    {"MD", "Moldova", "モルドバ"},
    {"ME", "Montenegro", "モンテネグロ"},
    {"MF", "Saint Martin (French part)", "サン・マルタン(仏領)"},
    {"MG", "Madagascar", "マダガスカル"},
    {"MH", "Marshall Islands", "マーシャル諸島"},
    {"MK", "North Macedonia", "北マケドニア"},
    {"ML", "Mali", "マリ"},
    {"MM", "Myanmar", "ミャンマー"},
    {"MN", "Mongolia", "モンゴル"},
    {"MO", "Macao", "マカオ"},
    {"MP", "Northern Mariana Islands", "北マリアナ諸島"},
    {"MQ", "Martinique", "マルティニーク"},
    {"MR", "Mauritania", "モーリタニア"},
    {"MS", "Montserrat", "モントセラト"},
    {"MT", "Malta", "マルタ"},
    {"MU", "Mauritius", "モーリシャス"},
    {"MV", "Maldives", "モルディブ"},
    {"MW", "Malawi", "マラウイ"},
    {"MX", "Mexico", "メキシコ"},
    {"MY", "Malaysia", "マレーシア"},
    {"MZ", "Mozambique", "モザンビーク"},
    {"NA", "Namibia", "ナミビア"},
    {"NC", "New Caledonia", "ニューカレドニア"},
    {"NE", "Niger", "ニジェール"},
    {"NF", "Norfolk Island", "ノーフォーク島"},
    {"NG", "Nigeria", "ナイジェリア"},
    {"NI", "Nicaragua", "ニカラグア"},
    {"NL", "Netherlands", "オランダ"},
    {"NO", "Norway", "ノルウェー"},
    {"NP", "Nepal", "ネパール"},
    {"NR", "Nauru", "ナウル"},
    {"NU", "Niue", "ニウエ"},
    {"NZ", "New Zealand", "ニュージーランド"},
    {"OM", "Oman", "オマーン"},
    {"PA", "Panama", "パナマ"},
    {"PE", "Peru", "ペルー"},
    {"PF", "French Polynesia", "仏領ポリネシア"},
    {"PG", "Papua New Guinea", "パプアニューギニア"},
    {"PH", "Philippines", "フィリピン"},
    {"PK", "Pakistan", "パキスタン"},
    {"PL", "Poland", "ポーランド"},
    {"PM", "Saint Pierre and Miquelon", "サンピエール島・ミクロン島"},
    {"PN", "Pitcairn Islands", "ピトケアン諸島"},
    {"PR", "Puerto Rico", "プエルトリコ"},
    {"PS", "Palestine", "パレスチナ"},
    {"PT", "Portugal", "ポルトガル"},
    {"PW", "Palau", "パラオ"},
    {"PY", "Paraguay", "パラグアイ"},
    {"QA", "Qatar", "カタール"},
    {"RE", "Réunion", "レユニオン"},
    {"RO", "Romania", "ルーマニア"},
    {"RS", "Serbia", "セルビア"},
    {"RU", "Russia", "ロシア"},
    {"RW", "Rwanda", "ルワンダ"},
    {"SA", "Saudi Arabia", "サウジアラビア"},
    {"SB", "Solomon Islands", "ソロモン諸島"},
    {"SC", "Seychelles", "セーシェル"},
    {"SD", "Sudan", "スーダン"},
    {"SE", "Sweden", "スウェーデン"},
    {"SG", "Singapore", "シンガポール"},
    {"SH", "Saint Helena, Ascension and Tristan da Cunha",
     "セントヘレナ・アセンションおよびトリスタンダクーニャ"},
    {"SI", "Slovenia", "スロベニア"},
    {"SJ", "Svalbard and Jan Mayen", "スバールバル諸島およびヤンマイエン島"},
    {"SK", "Slovakia", "スロバキア"},
    {"SL", "Sierra Leone", "シエラレオネ"},
    {"SM", "San Marino", "サンマリノ"},
    {"SN", "Senegal", "セネガル"},
    {"SO", "Somalia", "ソマリア"},
    {"SR", "Suriname", "スリナム"},
    {"SS", "South Sudan", "南スーダン"},
    {"ST", "São Tomé and Príncipe", "サントメ・プリンシペ"},
    {"SV", "El Salvador", "エルサルバドル"},
    {"SX", "Sint Maarten (Dutch part)", "シント・マールテン(蘭領)"},
    {"SY", "Syria", "シリア"},
    {"SZ", "Eswatini", "エスワティニ"},
    {"TC", "Turks and Caicos Islands", "タークス・カイコス諸島"},
    {"TD", "Chad", "チャド"},
    {"TF", "French Southern Territories", "仏領南方・南極地域"},
    {"TG", "Togo", "トーゴ"},
    {"TH", "Thailand", "タイ"},
    {"TJ", "Tajikistan", "タジキスタン"},
    {"TK", "Tokelau", "トケラウ"},
    {"TL", "Timor-Leste", "東ティモール"},
    {"TM", "Turkmenistan", "トルクメニスタン"},
    {"TN", "Tunisia", "チュニジア"},
    {"TO", "Tonga", "トンガ"},
    {"TR", "Türkiye", "トルコ"},
    {"TT", "Trinidad and Tobago", "トリニダード・トバゴ"},
    {"TV", "Tuvalu", "ツバル"},
    {"TW", "Taiwan", "台湾"},
    {"TZ", "Tanzania", "タンザニア"},
    {"UA", "Ukraine", "ウクライナ"},
    {"UG", "Uganda", "ウガンダ"},
    {"UM", "United States Minor Outlying Islands", "合衆国領有小離島"},
    {"US", "United States", "アメリカ合衆国"},
    {"UY", "Uruguay", "ウルグアイ"},
    {"UZ", "Uzbekistan", "ウズベキスタン"},
    {"VA", "Vatican City", "バチカン"},
    {"VC", "Saint Vincent and the Grenadines", "セントビンセント及びグレナディーン諸島"},
    {"VE", "Venezuela", "ベネズエラ"},
    {"VG", "British Virgin Islands", "英領ヴァージン諸島"},
    {"VI", "U.S. Virgin Islands", "米領ヴァージン諸島"},
    {"VN", "Vietnam", "ベトナム"},
    {"VU", "Vanuatu", "バヌアツ"},
    {"WF", "Wallis and Futuna", "ウォリス・フツナ"},
    {"WS", "Samoa", "サモア"},
    {"XK", "Kosovo", "コソボ"},
    {"YE", "Yemen", "イエメン"},
    {"YT", "Mayotte", "マヨット"},
    {"ZA", "South Africa", "南アフリカ"},
    {"ZM", "Zambia", "ザンビア"},
    {"ZW", "Zimbabwe", "ジンバブエ"},
};

#define GEO_NCOUNTRIES (sizeof(geo_countries) / sizeof(geo_countries[0]))

size_t geo_country_count(void)
{
	return GEO_NCOUNTRIES;
}

const char *geo_country_code(size_t i)
{
	return i < GEO_NCOUNTRIES ? geo_countries[i].code : NULL;
}

const char *geo_country_name(const char *cc, const char *lang)
{
	char key[3];
	size_t lo = 0, hi = GEO_NCOUNTRIES;

	if (!cc)
		return NULL;
	for (size_t i = 0; i < 2; i++) {
		char c = cc[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return NULL;
		key[i] = c;
	}
	if (cc[2] != '\0')
		return NULL;
	key[2] = '\0';
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(key, geo_countries[mid].code, 2);
		if (c == 0) {
			const struct geo_country *e = &geo_countries[mid];
			return lang && strcmp(lang, "ja") == 0 ? e->ja : e->en;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
