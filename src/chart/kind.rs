//! Which chart to draw, and the file name it is written under.

/// One of the five charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Stacked hours per ISO week with the people target and the working week.
    Allocation,
    /// People share of the working week, with the target band and a rolling 4-week mean.
    PeopleShare,
    /// Deep-work hours per week and no-fly violations per week.
    DeepWork,
    /// Meeting minutes per weekday × hour, with the no-fly windows outlined.
    Heatmap,
    /// Direct reports × weeks: held, scheduled, skipped or no 1:1.
    OneOnOnes,
}

impl ChartKind {
    /// Every chart, in the order [`render_all`](super::render_all) writes them.
    pub const ALL: [ChartKind; 5] = [
        ChartKind::Allocation,
        ChartKind::PeopleShare,
        ChartKind::DeepWork,
        ChartKind::Heatmap,
        ChartKind::OneOnOnes,
    ];

    /// File name without extension, e.g. `"people-share"` for `people-share.png`.
    pub fn file_stem(self) -> &'static str {
        match self {
            ChartKind::Allocation => "weekly-allocation",
            ChartKind::PeopleShare => "people-share",
            ChartKind::DeepWork => "deep-work",
            ChartKind::Heatmap => "week-heatmap",
            ChartKind::OneOnOnes => "one-on-ones",
        }
    }

    /// Human title, the first part of the chart heading.
    pub(crate) fn title(self) -> &'static str {
        match self {
            ChartKind::Allocation => "Weekly allocation",
            ChartKind::PeopleShare => "People share of the working week",
            ChartKind::DeepWork => "Deep work and no-fly violations",
            ChartKind::Heatmap => "Meeting heat-map",
            ChartKind::OneOnOnes => "1:1s with each report",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_distinct_and_stable() {
        let stems: Vec<_> = ChartKind::ALL.iter().map(|k| k.file_stem()).collect();
        assert_eq!(
            stems,
            [
                "weekly-allocation",
                "people-share",
                "deep-work",
                "week-heatmap",
                "one-on-ones"
            ]
        );
    }
}
