// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QtEndian>

/// One WebSocket frame as a raw test client reads it off the wire (RFC 6455
/// 5.2), for tests that must see what Qt's own client hides.
struct WsFrame
{
    bool fin = false;
    quint8 opcode = 0;
    QByteArray payload;

    /// Removes the first complete (unmasked, server-to-client) frame from
    /// @p buffer into @p frame; false, leaving @p buffer as it is, while the
    /// frame is incomplete.
    static bool take(QByteArray &buffer, WsFrame *frame)
    {
        if (buffer.size() < 2)
            return false;
        const auto *p = reinterpret_cast<const uchar *>(buffer.constData());
        quint64 length = p[1] & 0x7F;
        qsizetype header = 2;
        if (length == 126) {
            if (buffer.size() < 4)
                return false;
            length = qFromBigEndian<quint16>(p + 2);
            header = 4;
        } else if (length == 127) {
            if (buffer.size() < 10)
                return false;
            length = qFromBigEndian<quint64>(p + 2);
            header = 10;
        }
        if (quint64(buffer.size() - header) < length)
            return false;
        frame->fin = p[0] & 0x80;
        frame->opcode = p[0] & 0x0F;
        frame->payload = buffer.mid(header, qsizetype(length));
        buffer.remove(0, header + qsizetype(length));
        return true;
    }
};
