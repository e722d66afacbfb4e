package io.cloudtui.libvirt;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * C functions of libvirt that libvirt-java 0.5.4 does not bind (console, bulk stats, raw streams).
 * The same libvirt.so is loaded, so the event loop libvirt-java registers serves these too.
 */
interface Virt extends Library {
    Virt LIB = Native.load("virt", Virt.class);

    int VIR_STREAM_NONBLOCK = 1;
    int VIR_STREAM_EVENT_READABLE = 1;
    int VIR_STREAM_EVENT_WRITABLE = 2;
    int VIR_STREAM_EVENT_ERROR = 4;
    int VIR_STREAM_EVENT_HANGUP = 8;
    int VIR_DOMAIN_CONSOLE_FORCE = 1;

    /** virStreamEventCallback. */
    interface StreamCallback extends Callback {
        void invoke(Pointer stream, int events, Pointer opaque);
    }

    /** virFreeCallback: libvirt is done with a registered callback. */
    interface FreeCallback extends Callback {
        void invoke(Pointer opaque);
    }

    /** virErrorFunc: replaces libvirt's default handler that prints to stderr. */
    interface ErrorFunc extends Callback {
        void invoke(Pointer userData, Pointer error);
    }

    void virSetErrorFunc(Pointer userData, ErrorFunc handler);

    String virGetLastErrorMessage();

    int virGetLastErrorCode();

    Pointer virDomainLookupByUUIDString(Pointer conn, String uuid);

    int virDomainGetUUIDString(Pointer domain, byte[] buf);

    int virDomainFree(Pointer domain);

    int virDomainOpenConsole(Pointer domain, String devName, Pointer stream, int flags);

    Pointer virStreamNew(Pointer conn, int flags);

    int virStreamRecv(Pointer stream, byte[] data, NativeLong nbytes);

    int virStreamSend(Pointer stream, byte[] data, NativeLong nbytes);

    int virStreamEventAddCallback(Pointer stream, int events, StreamCallback cb, Pointer opaque, FreeCallback freeCb);

    int virStreamEventRemoveCallback(Pointer stream);

    int virStreamAbort(Pointer stream);

    int virStreamFree(Pointer stream);

    int virConnectGetAllDomainStats(Pointer conn, int stats, PointerByReference retStats, int flags);

    void virDomainStatsRecordListFree(Pointer stats);

    /** The C library, for setenv before libvirt reads its logging settings. */
    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int setenv(String name, String value, int overwrite);

        int unsetenv(String name);
    }
}
