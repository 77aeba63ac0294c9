/// g[j] += (sum over rows of m[r, j]): the column sum is formed first, rows in order, then added
/// once, like matmul's beta = 1, so a sum does not depend on what g already holds. Every bias
/// gradient in the library is summed this way (one order on every path). `sums` is scratch of
/// at least `columns` floats.
func addColumnSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into g: UnsafeMutablePointer<Float>,
                   scratch sums: UnsafeMutablePointer<Float>) {
    sums.update(repeating: 0, count: columns)
    for r in 0..<rows {
        Elementwise.add(m + r * columns, into: sums, count: columns)
    }
    Elementwise.add(sums, into: g, count: columns)
}
