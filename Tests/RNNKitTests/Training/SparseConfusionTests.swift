import Foundation
import XCTest
@testable import RNNKit

/// The sparse confusion counts against a dense recount, and the report at 100,000 classes.
final class SparseConfusionTests: XCTestCase {
    func testSparseCountsAgreeWithADenseRecount() {
        var state: UInt64 = 7
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let k = 9
        var dense = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var m = ConfusionMatrix(classCount: k), half = ConfusionMatrix(classCount: k)
        for i in 0..<500 {
            let a = next(k), p = next(3) == 0 ? a : next(k)
            dense[a][p] += 1
            if i < 250 { m.add(predicted: p, actual: a) } else { half.add(predicted: p, actual: a) }
        }
        m.merge(half)
        XCTAssertEqual(m.denseCounts(), dense)
        XCTAssertEqual(m.total, 500)
        XCTAssertEqual(m.correct, (0..<k).reduce(0) { $0 + dense[$1][$1] })
        for c in 0..<k {
            XCTAssertEqual(m.support(c), dense[c].reduce(0, +))
            XCTAssertEqual(m.predictedCount(c), dense.reduce(0) { $0 + $1[c] })
            for p in 0..<k { XCTAssertEqual(m.count(actual: c, predicted: p), dense[c][p]) }
        }
        XCTAssertEqual(m.cells.reduce(0) { $0 + $1.count }, 500)
        XCTAssertEqual(m.cells.count, dense.joined().filter { $0 > 0 }.count)
        // The top confusions are the largest off-diagonal cells, ties by (actual, predicted).
        var off: [(Int, Int, Int)] = []
        for a in 0..<k { for p in 0..<k where a != p && dense[a][p] > 0 { off.append((dense[a][p], a, p)) } }
        off.sort { $0.0 != $1.0 ? $0.0 > $1.0 : ($0.1, $0.2) < ($1.1, $1.2) }
        XCTAssertEqual(m.topConfusions(5).map { [$0.count, $0.actual, $0.predicted] }, off.prefix(5).map { [$0.0, $0.1, $0.2] })
    }

    func testReportAtOneHundredThousandClassesIsLinear() throws {
        let k = 100_000
        var m = ConfusionMatrix(classCount: k)
        for i in 0..<100 { m.add(predicted: (i * 7919) % k, actual: i % 3 == 0 ? (i * 7919) % k : i * 997 % k) }
        m.add(predicted: 5, actual: 4, count: 3)
        let names = (0..<k).map { "class \($0)" }
        let started = Date()
        let report = ClassificationReport(confusion: m)
        let table = report.table(labelNames: names)
        let json = report.json(labelNames: names)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "a dense K x K would be 10^10 cells")
        XCTAssertTrue(table.contains("confusion matrix not shown: 100000 classes is more than 50"))
        let afterList = table.components(separatedBy: "most frequent confusions: ")[1]
        XCTAssertTrue(afterList.hasPrefix("20 of \(m.confusionCellCount) distinct"), afterList)
        // The largest confusion (3 examples of class 4 as class 5) heads the list.
        let firstRow = afterList.split(separator: "\n")[3]
        XCTAssertEqual(firstRow.split(separator: " ").prefix(5).map(String.init), ["class", "4", "class", "5", "3"], String(firstRow))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let cells = try XCTUnwrap((object["confusion"] as? [String: Any])?["cells"] as? [[Int]])
        XCTAssertEqual(cells.count, m.cells.count)
        XCTAssertTrue(cells.contains([4, 5, 3]))
    }
}

extension SparseConfusionTests {
    func testFastFixedFormatMatchesPrintf() {
        let report = ClassificationReport(confusion: ConfusionMatrix(classCount: 1))
        var values: [Double] = [0, 1, 0.5, 0.03125, 0.00005, 0.99995, 2.0 / 3, 1.0 / 3, 13.0 / 42, 0.123456789, 99.95, 12.25]
        for a in 1...60 { for b in a...61 { values.append(Double(a) / Double(b)) } }
        for x in values {
            XCTAssertEqual(report.format(x, digits: 4), String(format: "%.4f", x), "\(x)")
            XCTAssertEqual(report.format(x * 100, digits: 1), String(format: "%.1f", x * 100), "\(x * 100)")
        }
    }
}
