import Foundation

/// A line chart as inline SVG: one or more series over a numeric x axis (epochs), "nice" ticks,
/// a legend, optional vertical markers (the best epoch), and a tooltip (`<title>`) on every point.
///
/// Readable from 1 point (the x range is widened around it and points are drawn as dots) to
/// hundreds (at most ~8 ticks per axis; dots become invisible hover targets above
/// `visibleDotLimit` points). Each series is a `<g class="series" data-series="NAME">` holding
/// its `<polyline>` and one `<circle>` per point, which the tests read.
struct LineChart {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
        /// Drawn as dots only (e.g. dev scores every N steps between the epoch points).
        var dotsOnly = false
    }

    var title: String
    var xLabel = "epoch"
    var series: [Series]
    /// Vertical dashed lines with a caption, e.g. (best epoch, "best").
    var markers: [(x: Double, label: String)] = []
    /// x values are whole numbers (epochs): ticks are integers.
    var integerX = true

    static let width = 640.0, height = 250.0
    static let left = 62.0, right = 18.0, top = 46.0, bottom = 38.0
    static let visibleDotLimit = 60

    func render() -> String {
        let w = Self.width, h = Self.height
        let plotW = w - Self.left - Self.right, plotH = h - Self.top - Self.bottom
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var out = "<svg class=\"chart\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" aria-label=\"\(HTMLPage.escape(title))\">"
        out += "<title>\(HTMLPage.escape(title))</title>"
        out += "<text x=\"\(Self.left)\" y=\"18\" font-size=\"14\" font-weight=\"600\" fill=\"#222\">\(HTMLPage.escape(title))</text>"
        guard !all.isEmpty else {
            out += "<text x=\"\(w / 2)\" y=\"\(h / 2)\" text-anchor=\"middle\" font-size=\"13\" fill=\"#777\">no data</text></svg>"
            return out
        }
        var (x0, x1) = (all.map(\.x).min()!, all.map(\.x).max()!)
        for m in markers { x0 = min(x0, m.x); x1 = max(x1, m.x) }
        if x1 - x0 < 1 { x0 -= 0.5; x1 += 0.5 }  // one epoch: a range around it, the point in the middle
        var (y0, y1) = (all.map(\.y).min()!, all.map(\.y).max()!)
        if y1 - y0 <= 1e-9 * max(abs(y0), abs(y1)) {  // one value: a band around it (a constant rate is a flat line)
            let pad = y1 == 0 ? 1 : abs(y1) * 0.2
            y0 -= pad; y1 += pad
        }
        // 6 % of room above and below, so no point sits on the frame; ticks fall inside.
        let room = 0.06 * (y1 - y0)
        y0 -= room; y1 += room
        let yStep = Self.niceStep((y1 - y0) / 5)  // at most 2.5x that: at least 2 ticks, at most 6
        let yTicks = Self.ticks(y0, y1, step: yStep)
        let xTicks = integerX ? Self.integerTicks(x0, x1, count: 8) : Self.ticks(x0, x1, step: Self.niceStep((x1 - x0) / 7))
        func px(_ x: Double) -> Double { Self.left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { Self.top + plotH - (y - y0) / (y1 - y0) * plotH }
        let c = HTMLPage.coordinate

        // Grid and axes.
        out += "<g class=\"y-axis\" font-size=\"11\" fill=\"#555\">"
        for t in yTicks {
            out += "<line x1=\"\(c(Self.left))\" x2=\"\(c(Self.left + plotW))\" y1=\"\(c(py(t)))\" y2=\"\(c(py(t)))\" stroke=\"#eee\"/>"
            out += "<text class=\"tick\" x=\"\(c(Self.left - 6))\" y=\"\(c(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t, step: yStep))</text>"
        }
        out += "</g><g class=\"x-axis\" font-size=\"11\" fill=\"#555\">"
        for t in xTicks {
            out += "<line x1=\"\(c(px(t)))\" x2=\"\(c(px(t)))\" y1=\"\(c(Self.top + plotH))\" y2=\"\(c(Self.top + plotH + 4))\" stroke=\"#999\"/>"
            out += "<text class=\"tick\" x=\"\(c(px(t)))\" y=\"\(c(Self.top + plotH + 16))\" text-anchor=\"middle\">\(String(format: "%.0f", t))</text>"
        }
        out += "<text x=\"\(c(Self.left + plotW / 2))\" y=\"\(c(h - 4))\" text-anchor=\"middle\">\(HTMLPage.escape(xLabel))</text></g>"
        out += "<rect x=\"\(c(Self.left))\" y=\"\(c(Self.top))\" width=\"\(c(plotW))\" height=\"\(c(plotH))\" fill=\"none\" stroke=\"#bbb\"/>"

        for m in markers {
            out += "<g class=\"marker\" data-x=\"\(HTMLPage.number(m.x))\"><line x1=\"\(c(px(m.x)))\" x2=\"\(c(px(m.x)))\" y1=\"\(c(Self.top))\" "
                + "y2=\"\(c(Self.top + plotH))\" stroke=\"#c47f00\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>"
            // The caption sits in the margin above the frame, clear of the curves and of the legend row.
            let anchor = px(m.x) > Self.left + plotW * 0.8 ? "end" : (px(m.x) < Self.left + plotW * 0.2 ? "start" : "middle")
            out += "<text x=\"\(c(px(m.x)))\" y=\"\(c(Self.top - 3))\" font-size=\"11\" fill=\"#a26700\" "
                + "text-anchor=\"\(anchor)\">\(HTMLPage.escape(m.label))</text></g>"
        }

        // Legend, in one row above the plot.
        var lx = Self.left
        for s in series {
            out += "<g class=\"legend\"><rect x=\"\(c(lx))\" y=\"28\" width=\"14\" height=\"4\" fill=\"\(s.color)\"/>"
            out += "<text x=\"\(c(lx + 18))\" y=\"33\" font-size=\"11\" fill=\"#333\">\(HTMLPage.escape(s.name))</text></g>"
            lx += 30 + 6.5 * Double(s.name.count)
        }

        for s in series {
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            out += "<g class=\"series\" data-series=\"\(HTMLPage.escape(s.name))\">"
            if !s.dotsOnly && points.count > 1 {
                let list = points.map { "\(c(px($0.x))),\(c(py($0.y)))" }.joined(separator: " ")
                out += "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\" stroke-linejoin=\"round\"/>"
            }
            let visible = s.dotsOnly || points.count <= Self.visibleDotLimit
            for p in points {
                let opacity = visible ? (s.dotsOnly ? "0.55" : "1") : "0"
                out += "<circle cx=\"\(c(px(p.x)))\" cy=\"\(c(py(p.y)))\" r=\"\(s.dotsOnly ? "2.2" : "3")\" fill=\"\(s.color)\" "
                    + "fill-opacity=\"\(opacity)\" pointer-events=\"all\"><title>\(HTMLPage.escape(s.name)) at \(xLabel) "
                    + "\(HTMLPage.number(p.x)): \(HTMLPage.number(p.y))</title></circle>"
            }
            out += "</g>"
        }
        return out + "</svg>"
    }

    /// The smallest of 1, 2, 5 x 10^k at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
    }

    /// Multiples of `step` inside [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, step: Double) -> [Double] {
        let first = Int((lo / step).rounded(.up)), last = Int((hi / step).rounded(.down))
        guard first <= last else { return [] }
        return (first...last).map { Double($0) * step }
    }

    /// Tick labels of one axis share a format: as many decimals as the step needs, or
    /// scientific notation for very small or large values.
    static func label(_ t: Double, step: Double) -> String {
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        if decimals > 5 || abs(t) >= 1e6 { return t == 0 ? "0" : String(format: "%.1e", t) }
        let s = String(format: "%.\(decimals)f", t)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }

    /// Integer ticks inside [lo, hi], at most about `count`, 1, 2 or 5 x 10^k apart.
    static func integerTicks(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
        ticks(lo, hi, step: max(1, niceStep((hi - lo) / Double(max(count - 1, 1)))))
    }
}
