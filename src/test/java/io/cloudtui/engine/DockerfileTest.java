package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Dockerfile parser, variable expansion, word splitting and .dockerignore matching. */
class DockerfileTest {

    @Test
    void aFlagGivenTwiceKeepsBothValuesOneALine() {
        Dockerfile.Instruction in = Dockerfile.parse("RUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/b echo hi\n").instructions().get(0);
        assertEquals(Map.of("mount", "type=cache,target=/a\ntype=tmpfs,target=/b"), in.flags());
        assertEquals("echo hi", in.args());
    }

    @Test
    void continuationsCommentsAndForms() {
        Dockerfile.Parsed p = Dockerfile.parse("""
                # syntax=docker/dockerfile:1
                # a comment

                from busybox AS Build
                RUN echo a \\
                # a comment inside the continuation
                    && echo b
                COPY --chown=app:app --from=build a b /dst/
                CMD ["sh", "-c", "echo hi"]
                ENTRYPOINT echo not json [
                """);
        List<Dockerfile.Instruction> in = p.instructions();
        assertEquals('\\', p.escape());
        assertEquals(List.of("FROM", "RUN", "COPY", "CMD", "ENTRYPOINT"), in.stream().map(Dockerfile.Instruction::keyword).toList());
        assertEquals("busybox AS Build", in.get(0).args());
        assertEquals(4, in.get(0).line());
        assertEquals("echo a     && echo b", in.get(1).args());
        assertEquals(Map.of("chown", "app:app", "from", "build"), in.get(2).flags());
        assertEquals("a b /dst/", in.get(2).args());
        assertEquals(List.of("sh", "-c", "echo hi"), in.get(3).json());
        assertNull(in.get(4).json(), "the shell form");
    }

    @Test
    void escapeDirective() {
        Dockerfile.Parsed p = Dockerfile.parse("# escape=`\nFROM x\nRUN dir c:\\ `\n  && echo done\n");
        assertEquals('`', p.escape());
        assertEquals("dir c:\\   && echo done", p.instructions().get(1).args());
        // a directive after an instruction is a comment
        Dockerfile.Parsed q = Dockerfile.parse("FROM x\n# escape=`\nRUN a \\\n b\n");
        assertEquals('\\', q.escape());
        assertEquals("a  b", q.instructions().get(1).args());
    }

    @Test
    void heredocs() {
        Dockerfile.Parsed p = Dockerfile.parse("FROM x\nRUN <<EOF\necho one\necho two\nEOF\nCOPY <<-'A' <<B /dst/\n\tliteral $X\n\tA\nb\nB\nCMD x\n");
        List<Dockerfile.Instruction> in = p.instructions();
        assertEquals(List.of("FROM", "RUN", "COPY", "CMD"), in.stream().map(Dockerfile.Instruction::keyword).toList());
        assertEquals(List.of(new Dockerfile.Heredoc("EOF", "echo one\necho two\n", true)), in.get(1).heredocs());
        assertEquals(List.of(new Dockerfile.Heredoc("A", "literal $X\n", false), new Dockerfile.Heredoc("B", "b\n", true)), in.get(2).heredocs());
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> Dockerfile.parse("FROM x\nRUN <<EOF\necho\n"));
        assertEquals("Dockerfile line 2: here-document <<EOF has no closing EOF line", e.getMessage());
    }

    @Test
    void badInput() {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> Dockerfile.parse("FROM x\nFROOM y\n"));
        assertEquals("Dockerfile line 2: unknown instruction: FROOM", e.getMessage());
        assertThrows(CloudtuiException.class, () -> Dockerfile.parse("# only a comment\n"));
        assertThrows(CloudtuiException.class, () -> Dockerfile.parse("# escape=x\nFROM y\n"));
    }

    @Test
    void expansion() {
        Map<String, String> v = Map.of("A", "1", "EMPTY", "");
        assertEquals("1 1 x1y", Dockerfile.expand("$A ${A} x${A}y", v::get, '\\'));
        assertEquals("d 1 alt  d", Dockerfile.expand("${NONE:-d} ${A:-d} ${A:+alt} ${NONE:+alt} ${EMPTY:-d}", v::get, '\\'));
        assertEquals("$A '$A'", Dockerfile.expand("\\$A '$A'", v::get, '\\'));
        assertEquals("", Dockerfile.expand("$NONE", v::get, '\\'));
    }

    @Test
    void wordsAndPairs() {
        assertEquals(List.of("a", "b c", "d\"e"), Dockerfile.words("a \"b c\"  d\\\"e", '\\'));
        List<String[]> p = Dockerfile.pairs("K=v X=\"a b\" Y='c d'", '\\', "ENV", 1);
        assertEquals(List.of("K=v", "X=a b", "Y=c d"), p.stream().map(x -> x[0] + "=" + x[1]).toList());
        List<String[]> old = Dockerfile.pairs("K the rest  of it", '\\', "ENV", 1);
        assertEquals("K", old.get(0)[0]);
        assertEquals("the rest of it", old.get(0)[1]);
        assertThrows(CloudtuiException.class, () -> Dockerfile.pairs("K=v =x", '\\', "LABEL", 3));
    }

    @Test
    void dockerignore() {
        DockerIgnore i = new DockerIgnore("# comment\n/secret.txt\n*.log\n**/tmp\nbuild/\n!build/keep.txt\n./docs/*.md\n");
        assertTrue(i.excluded("secret.txt"));
        assertTrue(i.excluded("a.log"));
        assertFalse(i.excluded("sub/a.log"), "* does not cross a /");
        assertTrue(i.excluded("tmp") && i.excluded("x/y/tmp") && i.excluded("x/tmp/file"), "** and what lies below");
        assertTrue(i.excluded("build/out.o"));
        assertFalse(i.excluded("build/keep.txt"), "! takes it back");
        assertTrue(i.excluded("docs/a.md"));
        assertFalse(i.excluded("docs/sub/a.md"));
        assertFalse(i.excluded("main.py"));
        assertTrue(i.hasExceptions());
        assertTrue(DockerIgnore.glob("[a-c]?.txt").matcher("b1.txt").matches());
        assertFalse(DockerIgnore.glob("[!a-c]?.txt").matcher("b1.txt").matches());
    }
}
