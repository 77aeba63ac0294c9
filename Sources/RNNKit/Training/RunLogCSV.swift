import Foundation

/// A run's CSV log read back by its header (`log.csv`, `steps.csv`): each row's fields by column
/// name, so a file written by an older or newer version with other columns still reads.
struct RunLogCSV {
    /// One row whose field count matches the header.
    struct Row {
        let fields: [String]
        let index: [String: Int]
        /// The `dev_<metric>` columns other than `dev_loss`, by metric name (empty fields omitted).
        let devMetrics: [String: Double]

        func value(_ name: String) -> Double? { index[name].flatMap { Double(fields[$0]) } }
        func integer(_ name: String) -> Int? { index[name].flatMap { Int(fields[$0]) } }
    }

    /// The rows after the header; lines whose field count differs from the header's are skipped.
    static func rows(_ csv: String) -> [Row] {
        let lines = csv.split(separator: "\n")
        guard let head = lines.first else { return [] }
        let columns = head.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let metrics = columns.enumerated().filter { $1.hasPrefix("dev_") && $1 != "dev_loss" }
        return lines.dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == columns.count else { return nil }
            var dev: [String: Double] = [:]
            for (i, name) in metrics { dev[String(name.dropFirst(4))] = Double(fields[i]) }
            return Row(fields: fields, index: index, devMetrics: dev)
        }
    }
}
