import Foundation

/// A short reason for a failed file operation from Foundation, for messages: the POSIX
/// reason and the path it is about ("Not a directory: /data/run/x"), never
/// "The operation could not be completed. (NSCocoaErrorDomain error 512.)".
enum FileErrorDescription {
    static func describe(_ error: Error) -> String {
        let e = error as NSError
        var code: Int32?
        if e.domain == NSPOSIXErrorDomain {
            code = Int32(e.code)
        } else if let underlying = e.userInfo[NSUnderlyingErrorKey] as? Error {
            // On Linux the underlying error is stored as a Swift `Error`, not castable to NSError directly.
            let u = underlying as NSError
            if u.domain == NSPOSIXErrorDomain { code = Int32(u.code) }
        }
        guard let code else { return e.localizedDescription }
        var reason = String(cString: strerror(code))
        if code == ENOSPC { reason = "disk full (\(reason))" }
        if let path = e.userInfo[NSFilePathErrorKey] as? String { reason += ": \(path)" }
        return reason
    }
}
