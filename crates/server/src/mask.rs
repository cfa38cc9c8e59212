//! Personal data shown to viewers: masked in every response, page and export. A column holds
//! personal data when its name says so (name, 姓名, phone, 手机, 电话, email, 邮箱, address, 地址,
//! id_card, 身份证号, ...) or the run's configuration declares it (`[privacy] pii`).

use custseg_engine::PersonalData;

/// Which columns are personal, and whether the caller sees them.
#[derive(Debug, Clone, Default)]
pub struct Privacy {
    /// Columns declared personal by the configuration.
    pub declared: Vec<String>,
    /// Whether values are shown as they are (analysts and admins).
    pub reveal: bool,
}

impl Privacy {
    /// Whether a column holds personal data.
    pub fn is_personal(&self, column: &str) -> bool {
        PersonalData::of(column).is_some() || self.declared.iter().any(|d| d == column)
    }

    /// A value as the caller may see it.
    pub fn show(&self, column: &str, value: &str) -> String {
        if self.reveal || value.is_empty() || !self.is_personal(column) {
            return value.to_string();
        }
        mask(PersonalData::of(column), value)
    }
}

/// Masks one value by what it holds: a phone keeps its first 3 and last 4 digits
/// (`138****1234`), an e-mail its first letter and domain (`z***@example.com`), a name its first
/// character (`张*`), an id number its first 3 and last 4 characters, an address its first 3
/// characters; anything else its first character.
pub fn mask(kind: Option<PersonalData>, value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let keep = |head: usize, tail: usize, stars: usize| -> String {
        if n <= head + tail {
            return "*".repeat(n.max(1));
        }
        let mut s: String = chars[..head].iter().collect();
        s.push_str(&"*".repeat(stars));
        s.extend(&chars[n - tail..]);
        s
    };
    match kind {
        Some(PersonalData::Phone) => keep(3, 4, 4),
        Some(PersonalData::Email) => match value.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => keep(1, 0, 3),
        },
        Some(PersonalData::Name) => keep(1, 0, (n - 1).max(1)),
        Some(PersonalData::IdNumber) => keep(3, 4, n.saturating_sub(7).max(4)),
        Some(PersonalData::Address) => keep(3, 0, 4),
        None => keep(1, 0, 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_the_issue_shows() {
        assert_eq!(mask(Some(PersonalData::Phone), "13812341234"), "138****1234");
        assert_eq!(mask(Some(PersonalData::Email), "zhang@example.com"), "z***@example.com");
        assert_eq!(mask(Some(PersonalData::Name), "张三"), "张*");
        assert_eq!(mask(Some(PersonalData::Name), "欧阳娜娜"), "欧***");
        assert_eq!(mask(Some(PersonalData::IdNumber), "110101199003074512"), "110***********4512");
        assert_eq!(mask(Some(PersonalData::Address), "北京市朝阳区建国路1号"), "北京市****");
        assert_eq!(mask(None, "wx_abc"), "w***");
        assert_eq!(mask(Some(PersonalData::Phone), "123"), "***", "too short to keep anything");
    }

    #[test]
    fn only_personal_columns_are_masked_and_only_for_viewers() {
        let viewer = Privacy { declared: vec!["wechat".into()], reveal: false };
        assert_eq!(viewer.show("手机", "13812341234"), "138****1234");
        assert_eq!(viewer.show("wechat", "wx_abc"), "w***");
        assert_eq!(viewer.show("region", "west"), "west");
        let analyst = Privacy { reveal: true, ..viewer };
        assert_eq!(analyst.show("手机", "13812341234"), "13812341234");
    }
}
