//! Windows time zone names → IANA zones, for TZIDs written by Outlook and Exchange.
//!
//! Owns two lookups: the Windows zone id (`W. Europe Standard Time`) and the Windows display name
//! (`(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna`). Both come from one static table
//! below. It does not own the decision *when* to try them; `ZoneResolver` does (after the IANA
//! database and the file's own VTIMEZONE).
//!
//! Why a table in our own file instead of a crate: the data is ~140 rows that change about once a year,
//! the display names (which no Rust crate we know of carries) sit right next to the ids in the same
//! source, and a dependency would add a second copy of zone names that can drift from `chrono-tz`.
//! A unit test checks that every IANA name here is known to `chrono-tz`, so a `chrono-tz` upgrade that
//! drops a name fails loudly instead of silently returning `None`.
//!
//! Source: Unicode CLDR `common/supplemental/windowsZones.xml` (mapTimezones typeVersion 2021a),
//! rows with `territory="001"`; the display names are the XML comments above each group. Where CLDR
//! uses a backward-compatible IANA alias (`Asia/Calcutta`, `Europe/Kiev`, `America/Godthab`, ...) we
//! store the current canonical name; both resolve to the same rules in `chrono-tz`. Revisions:
//! - 2026: first version, from CLDR typeVersion 2021a.

use chrono_tz::Tz;

/// One Windows zone: (Windows id, Windows display name, IANA zone).
type Row = (&'static str, &'static str, &'static str);

/// Hard-coded: CLDR windowsZones, territory 001 (see the module docs for the source).
#[rustfmt::skip]
static WINDOWS_ZONES: &[Row] = &[
    ("Dateline Standard Time", "(UTC-12:00) International Date Line West", "Etc/GMT+12"),
    ("UTC-11", "(UTC-11:00) Coordinated Universal Time-11", "Etc/GMT+11"),
    ("Aleutian Standard Time", "(UTC-10:00) Aleutian Islands", "America/Adak"),
    ("Hawaiian Standard Time", "(UTC-10:00) Hawaii", "Pacific/Honolulu"),
    ("Marquesas Standard Time", "(UTC-09:30) Marquesas Islands", "Pacific/Marquesas"),
    ("Alaskan Standard Time", "(UTC-09:00) Alaska", "America/Anchorage"),
    ("UTC-09", "(UTC-09:00) Coordinated Universal Time-09", "Etc/GMT+9"),
    ("Pacific Standard Time (Mexico)", "(UTC-08:00) Baja California", "America/Tijuana"),
    ("UTC-08", "(UTC-08:00) Coordinated Universal Time-08", "Etc/GMT+8"),
    ("Pacific Standard Time", "(UTC-08:00) Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("US Mountain Standard Time", "(UTC-07:00) Arizona", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "(UTC-07:00) Chihuahua, La Paz, Mazatlan", "America/Mazatlan"),
    ("Mountain Standard Time", "(UTC-07:00) Mountain Time (US & Canada)", "America/Denver"),
    ("Yukon Standard Time", "(UTC-07:00) Yukon", "America/Whitehorse"),
    ("Central America Standard Time", "(UTC-06:00) Central America", "America/Guatemala"),
    ("Central Standard Time", "(UTC-06:00) Central Time (US & Canada)", "America/Chicago"),
    ("Easter Island Standard Time", "(UTC-06:00) Easter Island", "Pacific/Easter"),
    ("Central Standard Time (Mexico)", "(UTC-06:00) Guadalajara, Mexico City, Monterrey", "America/Mexico_City"),
    ("Canada Central Standard Time", "(UTC-06:00) Saskatchewan", "America/Regina"),
    ("SA Pacific Standard Time", "(UTC-05:00) Bogota, Lima, Quito, Rio Branco", "America/Bogota"),
    ("Eastern Standard Time (Mexico)", "(UTC-05:00) Chetumal", "America/Cancun"),
    ("Eastern Standard Time", "(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
    ("Haiti Standard Time", "(UTC-05:00) Haiti", "America/Port-au-Prince"),
    ("Cuba Standard Time", "(UTC-05:00) Havana", "America/Havana"),
    ("US Eastern Standard Time", "(UTC-05:00) Indiana (East)", "America/Indiana/Indianapolis"),
    ("Turks And Caicos Standard Time", "(UTC-05:00) Turks and Caicos", "America/Grand_Turk"),
    ("Paraguay Standard Time", "(UTC-04:00) Asuncion", "America/Asuncion"),
    ("Atlantic Standard Time", "(UTC-04:00) Atlantic Time (Canada)", "America/Halifax"),
    ("Venezuela Standard Time", "(UTC-04:00) Caracas", "America/Caracas"),
    ("Central Brazilian Standard Time", "(UTC-04:00) Cuiaba", "America/Cuiaba"),
    ("SA Western Standard Time", "(UTC-04:00) Georgetown, La Paz, Manaus, San Juan", "America/La_Paz"),
    ("Pacific SA Standard Time", "(UTC-04:00) Santiago", "America/Santiago"),
    ("Newfoundland Standard Time", "(UTC-03:30) Newfoundland", "America/St_Johns"),
    ("Tocantins Standard Time", "(UTC-03:00) Araguaina", "America/Araguaina"),
    ("E. South America Standard Time", "(UTC-03:00) Brasilia", "America/Sao_Paulo"),
    ("SA Eastern Standard Time", "(UTC-03:00) Cayenne, Fortaleza", "America/Cayenne"),
    ("Argentina Standard Time", "(UTC-03:00) City of Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("Greenland Standard Time", "(UTC-03:00) Greenland", "America/Nuuk"),
    ("Montevideo Standard Time", "(UTC-03:00) Montevideo", "America/Montevideo"),
    ("Magallanes Standard Time", "(UTC-03:00) Punta Arenas", "America/Punta_Arenas"),
    ("Saint Pierre Standard Time", "(UTC-03:00) Saint Pierre and Miquelon", "America/Miquelon"),
    ("Bahia Standard Time", "(UTC-03:00) Salvador", "America/Bahia"),
    ("UTC-02", "(UTC-02:00) Coordinated Universal Time-02", "Etc/GMT+2"),
    ("Azores Standard Time", "(UTC-01:00) Azores", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "(UTC-01:00) Cabo Verde Is.", "Atlantic/Cape_Verde"),
    ("UTC", "(UTC) Coordinated Universal Time", "Etc/UTC"),
    ("GMT Standard Time", "(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/London"),
    ("Greenwich Standard Time", "(UTC+00:00) Monrovia, Reykjavik", "Atlantic/Reykjavik"),
    ("Sao Tome Standard Time", "(UTC+00:00) Sao Tome", "Africa/Sao_Tome"),
    ("Morocco Standard Time", "(UTC+01:00) Casablanca", "Africa/Casablanca"),
    ("W. Europe Standard Time", "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"),
    ("Central Europe Standard Time", "(UTC+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague", "Europe/Budapest"),
    ("Romance Standard Time", "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"),
    ("Central European Standard Time", "(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "(UTC+01:00) West Central Africa", "Africa/Lagos"),
    ("Jordan Standard Time", "(UTC+02:00) Amman", "Asia/Amman"),
    ("GTB Standard Time", "(UTC+02:00) Athens, Bucharest", "Europe/Bucharest"),
    ("Middle East Standard Time", "(UTC+02:00) Beirut", "Asia/Beirut"),
    ("Egypt Standard Time", "(UTC+02:00) Cairo", "Africa/Cairo"),
    ("E. Europe Standard Time", "(UTC+02:00) Chisinau", "Europe/Chisinau"),
    ("Syria Standard Time", "(UTC+02:00) Damascus", "Asia/Damascus"),
    ("West Bank Standard Time", "(UTC+02:00) Gaza, Hebron", "Asia/Hebron"),
    ("South Africa Standard Time", "(UTC+02:00) Harare, Pretoria", "Africa/Johannesburg"),
    ("FLE Standard Time", "(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", "Europe/Kyiv"),
    ("Israel Standard Time", "(UTC+02:00) Jerusalem", "Asia/Jerusalem"),
    ("South Sudan Standard Time", "(UTC+02:00) Juba", "Africa/Juba"),
    ("Kaliningrad Standard Time", "(UTC+02:00) Kaliningrad", "Europe/Kaliningrad"),
    ("Sudan Standard Time", "(UTC+02:00) Khartoum", "Africa/Khartoum"),
    ("Libya Standard Time", "(UTC+02:00) Tripoli", "Africa/Tripoli"),
    ("Namibia Standard Time", "(UTC+02:00) Windhoek", "Africa/Windhoek"),
    ("Arabic Standard Time", "(UTC+03:00) Baghdad", "Asia/Baghdad"),
    ("Turkey Standard Time", "(UTC+03:00) Istanbul", "Europe/Istanbul"),
    ("Arab Standard Time", "(UTC+03:00) Kuwait, Riyadh", "Asia/Riyadh"),
    ("Belarus Standard Time", "(UTC+03:00) Minsk", "Europe/Minsk"),
    ("Russian Standard Time", "(UTC+03:00) Moscow, St. Petersburg", "Europe/Moscow"),
    ("E. Africa Standard Time", "(UTC+03:00) Nairobi", "Africa/Nairobi"),
    ("Iran Standard Time", "(UTC+03:30) Tehran", "Asia/Tehran"),
    ("Arabian Standard Time", "(UTC+04:00) Abu Dhabi, Muscat", "Asia/Dubai"),
    ("Astrakhan Standard Time", "(UTC+04:00) Astrakhan, Ulyanovsk", "Europe/Astrakhan"),
    ("Azerbaijan Standard Time", "(UTC+04:00) Baku", "Asia/Baku"),
    ("Russia Time Zone 3", "(UTC+04:00) Izhevsk, Samara", "Europe/Samara"),
    ("Mauritius Standard Time", "(UTC+04:00) Port Louis", "Indian/Mauritius"),
    ("Saratov Standard Time", "(UTC+04:00) Saratov", "Europe/Saratov"),
    ("Georgian Standard Time", "(UTC+04:00) Tbilisi", "Asia/Tbilisi"),
    ("Volgograd Standard Time", "(UTC+04:00) Volgograd", "Europe/Volgograd"),
    ("Caucasus Standard Time", "(UTC+04:00) Yerevan", "Asia/Yerevan"),
    ("Afghanistan Standard Time", "(UTC+04:30) Kabul", "Asia/Kabul"),
    ("West Asia Standard Time", "(UTC+05:00) Ashgabat, Tashkent", "Asia/Tashkent"),
    ("Ekaterinburg Standard Time", "(UTC+05:00) Ekaterinburg", "Asia/Yekaterinburg"),
    ("Pakistan Standard Time", "(UTC+05:00) Islamabad, Karachi", "Asia/Karachi"),
    ("Qyzylorda Standard Time", "(UTC+05:00) Qyzylorda", "Asia/Qyzylorda"),
    ("India Standard Time", "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"),
    ("Sri Lanka Standard Time", "(UTC+05:30) Sri Jayawardenepura", "Asia/Colombo"),
    ("Nepal Standard Time", "(UTC+05:45) Kathmandu", "Asia/Kathmandu"),
    ("Central Asia Standard Time", "(UTC+06:00) Astana", "Asia/Bishkek"),
    ("Bangladesh Standard Time", "(UTC+06:00) Dhaka", "Asia/Dhaka"),
    ("Omsk Standard Time", "(UTC+06:00) Omsk", "Asia/Omsk"),
    ("Myanmar Standard Time", "(UTC+06:30) Yangon (Rangoon)", "Asia/Yangon"),
    ("SE Asia Standard Time", "(UTC+07:00) Bangkok, Hanoi, Jakarta", "Asia/Bangkok"),
    ("Altai Standard Time", "(UTC+07:00) Barnaul, Gorno-Altaysk", "Asia/Barnaul"),
    ("W. Mongolia Standard Time", "(UTC+07:00) Hovd", "Asia/Hovd"),
    ("North Asia Standard Time", "(UTC+07:00) Krasnoyarsk", "Asia/Krasnoyarsk"),
    ("N. Central Asia Standard Time", "(UTC+07:00) Novosibirsk", "Asia/Novosibirsk"),
    ("Tomsk Standard Time", "(UTC+07:00) Tomsk", "Asia/Tomsk"),
    ("China Standard Time", "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi", "Asia/Shanghai"),
    ("North Asia East Standard Time", "(UTC+08:00) Irkutsk", "Asia/Irkutsk"),
    ("Singapore Standard Time", "(UTC+08:00) Kuala Lumpur, Singapore", "Asia/Singapore"),
    ("W. Australia Standard Time", "(UTC+08:00) Perth", "Australia/Perth"),
    ("Taipei Standard Time", "(UTC+08:00) Taipei", "Asia/Taipei"),
    ("Ulaanbaatar Standard Time", "(UTC+08:00) Ulaanbaatar", "Asia/Ulaanbaatar"),
    ("Aus Central W. Standard Time", "(UTC+08:45) Eucla", "Australia/Eucla"),
    ("Transbaikal Standard Time", "(UTC+09:00) Chita", "Asia/Chita"),
    ("Tokyo Standard Time", "(UTC+09:00) Osaka, Sapporo, Tokyo", "Asia/Tokyo"),
    ("North Korea Standard Time", "(UTC+09:00) Pyongyang", "Asia/Pyongyang"),
    ("Korea Standard Time", "(UTC+09:00) Seoul", "Asia/Seoul"),
    ("Yakutsk Standard Time", "(UTC+09:00) Yakutsk", "Asia/Yakutsk"),
    ("Cen. Australia Standard Time", "(UTC+09:30) Adelaide", "Australia/Adelaide"),
    ("AUS Central Standard Time", "(UTC+09:30) Darwin", "Australia/Darwin"),
    ("E. Australia Standard Time", "(UTC+10:00) Brisbane", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "(UTC+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"),
    ("West Pacific Standard Time", "(UTC+10:00) Guam, Port Moresby", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "(UTC+10:00) Hobart", "Australia/Hobart"),
    ("Vladivostok Standard Time", "(UTC+10:00) Vladivostok", "Asia/Vladivostok"),
    ("Lord Howe Standard Time", "(UTC+10:30) Lord Howe Island", "Australia/Lord_Howe"),
    ("Bougainville Standard Time", "(UTC+11:00) Bougainville Island", "Pacific/Bougainville"),
    ("Russia Time Zone 10", "(UTC+11:00) Chokurdakh", "Asia/Srednekolymsk"),
    ("Magadan Standard Time", "(UTC+11:00) Magadan", "Asia/Magadan"),
    ("Norfolk Standard Time", "(UTC+11:00) Norfolk Island", "Pacific/Norfolk"),
    ("Sakhalin Standard Time", "(UTC+11:00) Sakhalin", "Asia/Sakhalin"),
    ("Central Pacific Standard Time", "(UTC+11:00) Solomon Is., New Caledonia", "Pacific/Guadalcanal"),
    ("Russia Time Zone 11", "(UTC+12:00) Anadyr, Petropavlovsk-Kamchatsky", "Asia/Kamchatka"),
    ("New Zealand Standard Time", "(UTC+12:00) Auckland, Wellington", "Pacific/Auckland"),
    ("UTC+12", "(UTC+12:00) Coordinated Universal Time+12", "Etc/GMT-12"),
    ("Fiji Standard Time", "(UTC+12:00) Fiji", "Pacific/Fiji"),
    ("Chatham Islands Standard Time", "(UTC+12:45) Chatham Islands", "Pacific/Chatham"),
    ("UTC+13", "(UTC+13:00) Coordinated Universal Time+13", "Etc/GMT-13"),
    ("Tonga Standard Time", "(UTC+13:00) Nuku'alofa", "Pacific/Tongatapu"),
    ("Samoa Standard Time", "(UTC+13:00) Samoa", "Pacific/Apia"),
    ("Line Islands Standard Time", "(UTC+14:00) Kiritimati Island", "Pacific/Kiritimati"),
];

/// Hard-coded: Windows ids that current CLDR no longer lists but old Exchange/Outlook exports still
/// carry (they were retired by Microsoft and mapped in earlier CLDR releases).
#[rustfmt::skip]
static LEGACY_WINDOWS_IDS: &[(&str, &str)] = &[
    ("Mid-Atlantic Standard Time", "Etc/GMT+2"),
    ("Kamchatka Standard Time", "Asia/Kamchatka"),
    ("Mexico Standard Time", "America/Mexico_City"),
    ("Mexico Standard Time 2", "America/Chihuahua"),
    ("Armenian Standard Time", "Asia/Yerevan"),
];

/// Hard-coded: display names of older Windows releases whose city list differs from today's (without
/// the `(GMT+hh:mm)` prefix). Names that only gained a suffix, such as
/// `Pacific Time (US & Canada); Tijuana`, need no row: they match today's name as a prefix.
#[rustfmt::skip]
static LEGACY_DISPLAY_NAMES: &[(&str, &str)] = &[
    ("Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London", "Europe/London"),
    ("Casablanca, Monrovia", "Africa/Casablanca"),
    ("Athens, Istanbul, Minsk", "Europe/Athens"),
    ("Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius", "Europe/Kyiv"),
    ("Mid-Atlantic", "Etc/GMT+2"),
];

/// Windows zone id (CLDR windowsZones, territory 001) → IANA zone, e.g. `W. Europe Standard Time` →
/// `Europe/Berlin`. Case and surrounding blanks are ignored. `None` for anything else.
pub fn windows_to_iana(name: &str) -> Option<Tz> {
    let name = name.trim();
    WINDOWS_ZONES
        .iter()
        .map(|&(id, _, iana)| (id, iana))
        .chain(LEGACY_WINDOWS_IDS.iter().copied())
        .find(|(id, _)| id.eq_ignore_ascii_case(name))
        .and_then(|(_, iana)| iana.parse().ok())
}

/// Windows display name → IANA zone. Accepts `(UTC-05:00) Eastern Time (US & Canada)`, the same with
/// `(GMT-05:00)` or no prefix at all, older suffixed forms (`Pacific Time (US & Canada), Tijuana`) and
/// accents (`Brasília`). Comparison ignores case, punctuation and blanks; when the city list alone
/// is ambiguous the `(UTC±hh:mm)` prefix decides. `None` when nothing matches.
pub fn display_name_to_iana(name: &str) -> Option<Tz> {
    let (stated_offset, rest) = split_offset_prefix(name.trim());
    let key = fold(rest);
    // IMPORTANT: a short key such as "" or "time" would prefix-match far too much.
    if key.len() < 4 {
        return None;
    }
    let offset_of = |display: &str| split_offset_prefix(display).0;
    let exact: Vec<&Row> = WINDOWS_ZONES
        .iter()
        .filter(|(_, display, _)| fold(split_offset_prefix(display).1) == key)
        .collect();
    let chosen = match exact.as_slice() {
        [one] => Some(one.2),
        [] => None,
        many => many
            .iter()
            .find(|row| stated_offset.is_some() && offset_of(row.1) == stated_offset)
            .or(many.first())
            .map(|row| row.2),
    };
    let chosen = chosen
        .or_else(|| {
            LEGACY_DISPLAY_NAMES
                .iter()
                .find(|(display, _)| fold(display) == key)
                .map(|(_, iana)| *iana)
        })
        .or_else(|| {
            // Longest current display name that the TZID starts with.
            WINDOWS_ZONES
                .iter()
                .map(|(_, display, iana)| (fold(split_offset_prefix(display).1), *iana))
                .filter(|(k, _)| k.len() >= 6 && key.starts_with(k.as_str()))
                .max_by_key(|(k, _)| k.len())
                .map(|(_, iana)| iana)
        })?;
    chosen.parse().ok()
}

/// Splits `(UTC+05:30) Rest` / `(GMT-08:00) Rest` / `(UTC) Rest` into (offset in minutes, `Rest`).
/// Without such a prefix the offset is `None` and the text comes back unchanged.
fn split_offset_prefix(s: &str) -> (Option<i32>, &str) {
    let Some(inner_end) = s.find(')').filter(|_| s.starts_with('(')) else {
        return (None, s);
    };
    let inner = &s[1..inner_end];
    let rest = s[inner_end + 1..].trim_start();
    let Some(sign_part) = inner
        .strip_prefix("UTC")
        .or_else(|| inner.strip_prefix("GMT"))
    else {
        return (None, s);
    };
    let sign_part = sign_part.trim();
    if sign_part.is_empty() {
        return (Some(0), rest);
    }
    // Not `split_at(1)`: the first character may be multi-byte (a U+FFFD from bad UTF-8).
    let (sign, digits) = if let Some(d) = sign_part.strip_prefix('+') {
        (1, d)
    } else if let Some(d) = sign_part.strip_prefix('-') {
        (-1, d)
    } else {
        return (None, s);
    };
    let mut parts = digits.split(':');
    let hours = parts.next().and_then(|h| h.trim().parse::<i32>().ok());
    let minutes = parts
        .next()
        .map_or(Some(0), |m| m.trim().parse::<i32>().ok());
    let total = match (hours, minutes) {
        (Some(h), Some(m)) => h.checked_mul(60).and_then(|x| x.checked_add(m)),
        _ => None,
    };
    match total {
        Some(t) => (Some(sign * t), rest),
        None => (None, s),
    }
}

/// Lowercase ASCII letters and digits only, with common Latin accents folded (`Brasília` → `brasilia`).
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => {
                'a'
            }
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            other => other.to_ascii_lowercase(),
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing parse+expand: a display name whose offset sign is a multi-byte
    /// character (bad UTF-8 read as U+FFFD) was sliced through the character.
    #[test]
    fn offset_prefixes_with_odd_characters_do_not_panic() {
        for s in [
            "(UTC\u{fffd}DJ00) Bras\u{ed}lia",
            "(UTC\u{e9}03:00) X",
            "(UTC+99999999:00) X",
            "(UTC-2147483647:59) X",
            "(UTC+)",
            "()",
        ] {
            let (offset, _) = split_offset_prefix(s);
            assert_eq!(offset, None, "{s:?}");
        }
        assert_eq!(split_offset_prefix("(UTC-03:00) Brasilia").0, Some(-180));
        assert_eq!(split_offset_prefix("(UTC) Dublin").0, Some(0));
    }

    #[test]
    fn every_iana_name_in_the_tables_is_known_to_chrono_tz() {
        let names = WINDOWS_ZONES
            .iter()
            .map(|r| r.2)
            .chain(LEGACY_WINDOWS_IDS.iter().map(|r| r.1))
            .chain(LEGACY_DISPLAY_NAMES.iter().map(|r| r.1));
        for name in names {
            assert!(name.parse::<Tz>().is_ok(), "{name} is not in chrono-tz");
        }
        assert!(WINDOWS_ZONES.len() >= 135, "CLDR 001 table looks truncated");
    }

    #[test]
    fn every_display_name_maps_back_to_its_own_row() {
        for (id, display, iana) in WINDOWS_ZONES {
            assert_eq!(
                display_name_to_iana(display).map(|t| t.name()),
                Some(*iana),
                "{display}"
            );
            assert_eq!(windows_to_iana(id).map(|t| t.name()), Some(*iana), "{id}");
        }
    }

    #[test]
    fn windows_ids() {
        let cases = [
            ("Pacific Standard Time", Some("America/Los_Angeles")),
            ("GMT Standard Time", Some("Europe/London")),
            ("India Standard Time", Some("Asia/Kolkata")),
            ("W. Europe Standard Time", Some("Europe/Berlin")),
            ("Eastern Standard Time", Some("America/New_York")),
            ("Arabian Standard Time", Some("Asia/Dubai")),
            ("New Zealand Standard Time", Some("Pacific/Auckland")),
            ("  w. europe standard time ", Some("Europe/Berlin")),
            ("Mexico Standard Time", Some("America/Mexico_City")),
            ("Pacific Time", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(windows_to_iana(input).map(|t| t.name()), want, "{input:?}");
        }
    }

    #[test]
    fn display_names() {
        let cases = [
            (
                "(UTC-05:00) Eastern Time (US & Canada)",
                Some("America/New_York"),
            ),
            (
                "(GMT-05:00) Eastern Time (US & Canada)",
                Some("America/New_York"),
            ),
            (
                "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
                Some("Europe/Berlin"),
            ),
            ("(UTC-03:00) Brasília", Some("America/Sao_Paulo")),
            (
                "Pacific Time (US & Canada), Tijuana",
                Some("America/Los_Angeles"),
            ),
            (
                "(GMT-08:00) Pacific Time (US & Canada); Tijuana",
                Some("America/Los_Angeles"),
            ),
            ("Kuala Lumpur, Singapore", Some("Asia/Singapore")),
            (
                "Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London",
                Some("Europe/London"),
            ),
            ("(UTC) Coordinated Universal Time", Some("Etc/UTC")),
            (
                "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi",
                Some("Asia/Kolkata"),
            ),
            (
                "(UTC+12:00) Coordinated Universal Time+12",
                Some("Etc/GMT-12"),
            ),
            ("GMT +0100 (Standard) / GMT +0200 (Daylight)", None),
            ("(UTC-05:00)", None),
            ("(UTC", None),
            ("Time", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                display_name_to_iana(input).map(|t| t.name()),
                want,
                "{input:?}"
            );
        }
    }
}
