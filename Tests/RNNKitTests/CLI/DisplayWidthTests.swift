import XCTest
@testable import RNNKit

/// Terminal widths as terminals draw them (checked against xterm/VTE and `wcwidth`),
/// and the escaping of label names for tables and tab-separated output.
final class DisplayWidthTests: XCTestCase {
    func testWidthsOfEmojiCJKAndCombiningSequences() {
        let cases: [(String, Int, String)] = [
            ("abc", 3, "ASCII"),
            ("体育", 4, "CJK ideographs are wide"),
            ("한국", 4, "Hangul syllables are wide"),
            ("\u{1112}\u{1161}\u{11AB}", 2, "a Hangul syllable spelled as jamo is one wide cluster"),
            ("ｱｲ", 2, "halfwidth katakana are narrow"),
            ("ＡＢ", 4, "fullwidth Latin is wide"),
            ("e\u{301}", 1, "a combining accent adds nothing"),
            ("😀", 2, "Emoji_Presentation"),
            ("\u{2764}", 1, "HEAVY BLACK HEART alone is a text symbol"),
            ("\u{2764}\u{FE0F}", 2, "with VS16 it is an emoji"),
            ("\u{231A}\u{FE0E}", 2, "WATCH is East Asian Wide even with VS15"),
            ("👨‍👩‍👧", 2, "a ZWJ family is one emoji"),
            ("🇫🇷", 2, "a flag"),
            ("1\u{FE0F}\u{20E3}", 2, "a keycap"),
            ("a\u{200B}b", 2, "a zero-width space"),
            ("𠀀", 2, "plane 2 ideograph"),
        ]
        for (text, width, why) in cases { XCTAssertEqual(DisplayWidth.of(text), width, why) }
    }

    func testTableColumnsAlignWithEmojiAndVS16Labels() {
        var m = ConfusionMatrix(classCount: 4)
        for (a, p) in [(0, 0), (1, 1), (2, 2), (3, 3), (0, 1)] { m.add(predicted: p, actual: a) }
        let names = ["\u{2764}\u{FE0F} love", "体育", "😀", "plain"]
        let table = ClassificationReport(confusion: m).table(labelNames: names)
        let rows = table.split(separator: "\n").map(String.init)
        let scoreRows = rows.filter { row in names.contains { row.hasPrefix($0 + " ") } || row.hasPrefix("macro") }
        XCTAssertGreaterThanOrEqual(scoreRows.count, 5 + 4, table)
        // Each score row ends where the header ends; with "❤️" counted as 1 column it ended one later.
        let header = rows.first { $0.hasPrefix("label") }!
        for row in scoreRows.prefix(5) { XCTAssertEqual(DisplayWidth.of(row), DisplayWidth.of(header), row) }
    }

    func testLabelEscaping() {
        XCTAssertNil(LabelText.problem(in: "体育 & sport=1"))
        XCTAssertEqual(LabelText.problem(in: "a\tb"), #"label "a\tb" contains a tab: labels may not hold control characters"#)
        XCTAssertEqual(LabelText.forTSV(#"a=b\c"#), #"a\=b\\c"#)
        XCTAssertEqual(LabelText.forTSV("x\u{85}y\n"), #"x\u0085y\n"#)
        XCTAssertEqual(LabelText.forDisplay("a=b\u{1B}"), #"a=b\u001B"#)
        XCTAssertEqual(LabelText.forTSV("plain 体育"), "plain 体育")
    }
}
