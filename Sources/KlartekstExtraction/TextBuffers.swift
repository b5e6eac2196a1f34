import CLibXML2
import Foundation

/// Byte-level writers: text arrives from libxml2 as NUL-terminated UTF-8 and goes out as UTF-8,
/// appended in runs, without a `String` per text node (the section benchmark's hot path).
@inline(__always) func isSpaceByte(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0C
}

/// Byte classes for the writers: 1 = ASCII space, 2 = needs escaping in HTML, 3 = first byte of
/// a possible no-break space (C2 A0).
private let byteClass: [UInt8] = {
    var t = [UInt8](repeating: 0, count: 256)
    for b in [0x20, 0x0A, 0x09, 0x0D, 0x0C] { t[b] = 1 }
    for b in [0x26, 0x3C, 0x3E, 0x22, 0x27] { t[b] = 2 }
    t[0xC2] = 3
    return t
}()

@inline(__always) private func bytes(_ p: UnsafePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self)))
}

/// Whether the text has anything but whitespace (no-break space counts as whitespace).
func hasVisibleBytes(_ p: UnsafePointer<UInt8>) -> Bool {
    var i = 0
    while true {
        let b = p[i]
        if b == 0 { return false }
        if isSpaceByte(b) {
            i += 1
        } else if b == 0xC2 && p[i + 1] == 0xA0 {
            i += 2
        } else {
            return true
        }
    }
}

/// Accumulates sanitised HTML, escaping text and collapsing whitespace as it goes.
struct HTMLWriter {
    private var out: [UInt8] = []
    private var hasContent = false
    private var lastWasSpace = true

    mutating func raw(_ s: String) {
        out.append(contentsOf: s.utf8)
        lastWasSpace = false
    }

    mutating func text(_ s: String) {
        var copy = s
        copy.withUTF8 { append($0) }
    }

    mutating func text(_ p: UnsafePointer<UInt8>) {
        append(bytes(p))
    }

    private mutating func append(_ buf: UnsafeBufferPointer<UInt8>) {
        let n = buf.count
        var i = 0
        var run = 0
        while i < n {
            let cls = byteClass[Int(buf[i])]
            if cls == 0 || (cls == 3 && !(i + 1 < n && buf[i + 1] == 0xA0)) {
                i += 1
                continue
            }
            if run < i {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[run..<i]))
                lastWasSpace = false
                hasContent = true
            }
            if cls == 1 || cls == 3 {
                if !lastWasSpace { out.append(0x20) }
                lastWasSpace = true
                i += cls == 3 ? 2 : 1
            } else {
                switch buf[i] {
                case 0x26: out.append(contentsOf: "&amp;".utf8)
                case 0x3C: out.append(contentsOf: "&lt;".utf8)
                case 0x3E: out.append(contentsOf: "&gt;".utf8)
                case 0x22: out.append(contentsOf: "&quot;".utf8)
                default: out.append(contentsOf: "&#39;".utf8)
                }
                lastWasSpace = false
                hasContent = true
                i += 1
            }
            run = i
        }
        if run < n {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[run..<n]))
            lastWasSpace = false
            hasContent = true
        }
    }

    mutating func droppedImage() {
        raw("<em>[billede udeladt]</em>")
    }

    func result() -> String {
        guard hasContent else { return "" }
        var start = 0
        var end = out.count
        while start < end && out[start] == 0x20 { start += 1 }
        while end > start && out[end - 1] == 0x20 { end -= 1 }
        return String(decoding: out[start..<end], as: UTF8.self)
    }

    static func escape(_ s: String) -> String {
        var w = HTMLWriter()
        w.text(s)
        return w.result()
    }
}

/// Accumulates plain text: blocks separated by a blank line, `<br>` as a line break; spaces
/// (no-break spaces included) collapsed and lines trimmed in ``result()``.
struct TextWriter {
    private var buffer: [UInt8] = []
    private var pendingBlock = false
    private var hasVisible = false

    var isEmpty: Bool { !hasVisible }

    mutating func inline(_ s: String) {
        var copy = s
        copy.withUTF8 { buf in
            guard let base = buf.baseAddress, !buf.isEmpty else { return }
            guard begin(visible: s.unicodeScalars.contains { !isSpace($0) }) else { return }
            buffer.append(contentsOf: UnsafeBufferPointer(start: base, count: buf.count))
        }
    }

    mutating func inline(_ p: UnsafePointer<UInt8>) {
        let visible = hasVisibleBytes(p)
        guard begin(visible: visible) else { return }
        buffer.append(contentsOf: bytes(p))
    }

    /// Applies a pending block break before visible text; whitespace-only text while a break is
    /// pending is dropped.
    private mutating func begin(visible: Bool) -> Bool {
        if pendingBlock {
            guard visible else { return false }
            buffer.append(0x0A)
            buffer.append(0x0A)
            pendingBlock = false
        }
        if visible { hasVisible = true }
        return true
    }

    mutating func lineBreak() { buffer.append(0x0A) }

    mutating func blockBreak() { pendingBlock = true }

    func result() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count)
        var newlines = 0  // line breaks owed before the next visible byte (2 = a blank line)
        var lineHasContent = false
        var space = false
        buffer.withUnsafeBufferPointer { buf in
            let n = buf.count
            var i = 0
            while i < n {
                let b = buf[i]
                if b == 0x0A {
                    if lineHasContent { newlines = 1 } else if newlines >= 1 { newlines = 2 }
                    lineHasContent = false
                    space = false
                    i += 1
                    continue
                }
                if isSpaceByte(b) || (b == 0xC2 && i + 1 < n && buf[i + 1] == 0xA0) {
                    if lineHasContent { space = true }
                    i += b == 0xC2 ? 2 : 1
                    continue
                }
                if !lineHasContent {
                    if !out.isEmpty { out.append(contentsOf: repeatElement(0x0A, count: max(newlines, 1))) }
                    newlines = 0
                    lineHasContent = true
                } else if space {
                    out.append(0x20)
                }
                space = false
                // Copy the run of ordinary bytes in one go.
                var j = i + 1
                while j < n {
                    let c = buf[j]
                    if c == 0x0A || isSpaceByte(c) || c == 0xC2 { break }
                    j += 1
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
                i = j
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Whitespace as the portal's HTML uses it (ASCII, no-break space, the Unicode spaces).
@inline(__always) func isSpace(_ ch: Unicode.Scalar) -> Bool {
    switch ch.value {
    case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0xA0, 0x2000...0x200B, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
    default: return false
    }
}
