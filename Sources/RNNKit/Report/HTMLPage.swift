import Foundation

/// The pieces every report page shares: escaping, number formats and the page frame.
///
/// Pages are self-contained (inline CSS and SVG; no script, no font or image from the network)
/// and well-formed XML as well as HTML (every element closed, attributes quoted, only the five
/// XML entities and numeric references), so tests parse them with `XMLDocument`.
enum HTMLPage {
    /// Text for element content and attribute values: `& < > " '` escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline are not allowed in XML 1.0.
                if (scalar.value < 0x20 && scalar != "\t" && scalar != "\n") || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A number for people: 4 significant digits; whole numbers from 10,000 on.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "∞" : "-∞") }
        return abs(x) >= 1e4 ? String(format: "%.0f", x) : String(format: "%.4g", x)
    }

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }

    /// A coordinate in an SVG attribute: 2 decimals are well below a pixel.
    static func coordinate(_ x: Double) -> String { String(format: "%.2f", x) }

    static let style = """
        body{font-family:"DejaVu Sans","Noto Sans CJK SC","Noto Sans CJK JP",sans-serif;margin:24px;color:#222;background:#fff;max-width:1400px}
        h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
        .meta{color:#555;font-size:13px;margin:0 0 12px}
        .charts{display:flex;flex-wrap:wrap;gap:12px}
        .chart{border:1px solid #ddd;border-radius:4px;background:#fff;width:640px;max-width:100%;height:auto}
        table{border-collapse:collapse;font-size:13px}
        th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
        th{background:#f6f6f6;font-weight:600}
        td.label,th.label{text-align:left;max-width:18em;overflow:hidden;text-overflow:ellipsis}
        tr.best td{background:#fff4d6;font-weight:600}
        pre{background:#f7f7f7;border:1px solid #e5e5e5;padding:8px;font-size:12px;overflow:auto;max-height:480px}
        details summary{cursor:pointer;color:#333;margin:6px 0}
        .scroll{overflow:auto;max-width:100%}
        table.cm td.cell{text-align:center;min-width:2.6em;border:1px solid #fff;line-height:1.15}
        table.cm.compact td.cell{min-width:1.4em;padding:1px 2px;font-size:10px}
        table.cm td.cell small{display:block;font-size:10px;opacity:.85}
        table.cm th.col{vertical-align:bottom;text-align:left;padding:4px 2px}
        table.cm th.col span{writing-mode:vertical-rl;white-space:nowrap;max-height:12em;overflow:hidden;text-overflow:ellipsis;display:inline-block}
        table.cm th.row{text-align:right;background:#f6f6f6}
        table.cm.compact th{font-size:10px;padding:1px 3px}
        .axis-note{font-size:12px;color:#555}
        td.bar{text-align:left;min-width:160px}
        .bar span.fill{display:inline-block;height:10px;vertical-align:middle;border-radius:2px}
        .bar span.value{display:inline-block;width:3.6em;text-align:right;margin-right:6px;font-variant-numeric:tabular-nums}
        """

    /// The whole document around `body`.
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(escape(title))</title>
        <style>\(style)</style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }
}
