package io.cloudtui.tui;

/** The UI's sanitising ({@link Sanitizer}) for output printed outside the UI: no escape or control character gets through. */
public final class SafeText {
    private SafeText() {}

    /** {@code raw} with every escape sequence and control character removed, tabs expanded. */
    public static String plain(String raw) {
        return Sanitizer.sanitize(raw).text();
    }
}
