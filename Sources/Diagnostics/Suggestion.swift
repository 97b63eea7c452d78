/// "Did you mean …?" — the closest candidate by edit distance, ignoring case, if it is close
/// enough to be a plausible typo (at most a third of the word, and at most 3 edits).
public enum Suggestion {
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased().unicodeScalars)
        var best: (candidate: String, distance: Int)?
        for c in candidates {
            let d = distance(w, Array(c.lowercased().unicodeScalars))
            if d < (best?.distance ?? Int.max) { best = (c, d) }
        }
        guard let best else { return nil }
        let allowed = min(3, max(1, w.count / 3))
        if best.distance <= allowed { return best.candidate }
        // A shared start of 3 or more letters that covers at least half of the longer word
        // ("tmp" -> "tmpfs", "denied" -> "deny"), if only one candidate shares the longest one.
        let prefixes = candidates.map { c -> (String, Int) in
            let common = zip(w, c.lowercased().unicodeScalars).prefix { $0 == $1 }.count
            return (c, common * 2 >= max(w.count, c.unicodeScalars.count) ? common : 0)
        }
        guard let longest = prefixes.map(\.1).max(), longest >= 3 else { return nil }
        let winners = prefixes.filter { $0.1 == longest }
        return winners.count == 1 ? winners[0].0 : nil
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    /// neighbours each cost 1.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    /// ", did you mean 'x'?" or "" — ready to append to a message.
    public static func didYouMean(_ word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}
