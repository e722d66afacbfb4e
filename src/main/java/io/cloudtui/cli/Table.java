package io.cloudtui.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A docker-style table: left-aligned columns separated by three spaces, no trailing padding. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... header) {
        columns = header.length;
        rows.add(header);
    }

    Table row(String... cells) {
        if (cells.length != columns) throw new IllegalArgumentException("expected " + columns + " cells");
        rows.add(cells);
        return this;
    }

    int size() {
        return rows.size() - 1;
    }

    List<String> lines() {
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], r[i] == null ? 0 : r[i].length());
        }
        List<String> out = new ArrayList<>();
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                String c = r[i] == null ? "" : r[i];
                sb.append(c);
                if (i < columns - 1) sb.append(" ".repeat(width[i] - c.length() + 3));
            }
            out.add(sb.toString().stripTrailing());
        }
        return out;
    }

    void print(PrintStream out) {
        for (String l : lines()) out.println(l);
    }
}
