package io.cloudtui.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code cloudtui serve}'s frames on a byte stream: hello, several requests at once each with its output and exit by id, another protocol. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ServeTest {

    @Test
    void requestsOfSeveralIdsAnswerEachWithItsOutputAndExit() throws Exception {
        // OS pipes (java.io's piped streams fail once a thread that wrote them ends)
        java.nio.channels.Pipe p1 = java.nio.channels.Pipe.open(), p2 = java.nio.channels.Pipe.open();
        java.io.OutputStream toServe = java.nio.channels.Channels.newOutputStream(p1.sink());
        java.io.InputStream serveIn = java.nio.channels.Channels.newInputStream(p1.source());
        java.io.InputStream fromServe = java.nio.channels.Channels.newInputStream(p2.source());
        java.io.OutputStream serveOut = java.nio.channels.Channels.newOutputStream(p2.sink());
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> Serve.main(new String[] {"serve", "--protocol", "" + Serve.PROTOCOL},
                serveIn, serveOut, new PrintStream(new ByteArrayOutputStream())));
        DataInputStream in = new DataInputStream(fromServe);
        Serve.Frame hello = Serve.read(in);
        assertNotNull(hello);
        assertEquals(Serve.T_HELLO, hello.type());
        assertEquals(Serve.PROTOCOL, Serve.u32(hello.payload(), 0));
        // two at once: --version, and a usage error
        byte[] a = Serve.request(7, List.of("--version"), Map.of());
        byte[] b = Serve.request(8, List.of("no-such-verb"), Map.of());
        Serve.write(toServe, Serve.T_REQUEST, a, 0, a.length);
        Serve.write(toServe, Serve.T_REQUEST, b, 0, b.length);
        Map<Integer, ByteArrayOutputStream> out = new HashMap<>(), err = new HashMap<>();
        Map<Integer, Integer> exits = new HashMap<>();
        while (exits.size() < 2) {
            Serve.Frame f = Serve.read(in);
            assertNotNull(f, "the stream ended before both exits");
            int id = Serve.u32(f.payload(), 0);
            byte[] data = java.util.Arrays.copyOfRange(f.payload(), 4, f.payload().length);
            switch (f.type()) {
                case Serve.T_OUT -> out.computeIfAbsent(id, k -> new ByteArrayOutputStream()).writeBytes(data);
                case Serve.T_ERR -> err.computeIfAbsent(id, k -> new ByteArrayOutputStream()).writeBytes(data);
                case Serve.T_EXIT -> exits.put(id, Serve.u32(data, 0));
                default -> throw new AssertionError("frame type " + f.type());
            }
        }
        assertEquals(0, exits.get(7));
        assertTrue(out.get(7).toString(StandardCharsets.UTF_8).startsWith("cloudtui "), out.toString());
        assertEquals(2, exits.get(8));
        assertTrue(err.get(8).toString(StandardCharsets.UTF_8).contains("no-such-verb"), err.toString());
        assertTrue(!out.containsKey(8), "a usage error prints on stderr only");
        // end of input ends it
        toServe.close();
        assertEquals(0, code.get(60, TimeUnit.SECONDS));
    }

    @Test
    void anotherProtocolGetsTheHelloAndNothingElse() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Serve.main(new String[] {"serve", "--protocol", "" + (Serve.PROTOCOL + 98)}, new ByteArrayInputStream(new byte[0]), out,
                new PrintStream(new ByteArrayOutputStream()));
        assertEquals(3, code);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(out.toByteArray()));
        Serve.Frame hello = Serve.read(in);
        assertEquals(Serve.T_HELLO, hello.type());
        assertEquals(Serve.PROTOCOL, Serve.u32(hello.payload(), 0));
        assertEquals(null, Serve.read(in));
    }

    @Test
    void aBadCommandLineIsOneLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, Serve.main(new String[] {"serve"}, new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new PrintStream(err)));
        assertEquals("cloudtui: serve: usage: cloudtui serve --protocol N (the local cloudtui starts it over ssh)\n", err.toString());
    }
}
