import Foundation

/// Danish speech with espeak-ng (Debian), run as a subprocess with time and memory limits; the
/// WAV is written to standard output. `voiceKey` names engine, voice and speed, so a change of
/// any of them makes new audio instead of reusing the cached file.
public struct SpeechSynthesizer: Sendable {
    public var tool: ExternalTool
    public var voice: String
    public var wordsPerMinute: Int

    public init(executable: String = "espeak-ng", voice: String = "da", wordsPerMinute: Int = 150, limits: ExternalTool.Limits? = nil) {
        self.tool = ExternalTool(executable, limits: limits ?? ExternalTool.Limits(seconds: 60, memoryBytes: 512 << 20, outputBytes: 64 << 20))
        self.voice = voice
        self.wordsPerMinute = wordsPerMinute
    }

    public var voiceKey: String { "espeak-ng:\(voice):\(wordsPerMinute)" }

    /// A WAV file (RIFF) of `text` read aloud.
    public func wav(_ text: String) async throws -> [UInt8] {
        // The text goes after "--" so a leading dash in it is never read as an option.
        let audio = try await tool.run(["-v", voice, "-s", String(wordsPerMinute), "--stdout", "--", text])
        guard audio.count > 44, audio.starts(with: Array("RIFF".utf8)) else {
            throw ExternalTool.Failure(tool: tool.name, reason: .failed(0), stderr: "no WAV audio on standard output")
        }
        return audio
    }
}
