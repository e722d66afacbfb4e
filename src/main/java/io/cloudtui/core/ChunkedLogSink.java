package io.cloudtui.core;

import java.util.function.Consumer;

/**
 * A log sink that can take lines a read at a time: a backend that knows where its reads end calls
 * {@link #endChunk} after the lines of each one, so the receiver can publish them together (one
 * lock, one signal) instead of line by line. Backends that never call it deliver line by line, and
 * a receiver must then take each line as it comes.
 */
public interface ChunkedLogSink extends Consumer<LogLine> {
    /** The lines accepted since the last call are all there is for now. */
    void endChunk();
}
