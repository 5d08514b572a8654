// SPDX-License-Identifier: MIT
#include "TextFrame.h"

#include <QString>
#include <QtEndian>

namespace Optiverse::Collab {

namespace {
QByteArray frameHeader(quint64 payloadLength)
{
    QByteArray header;
    header.append(char(0x81)); // FIN + text opcode
    if (payloadLength < 126) {
        header.append(char(payloadLength)); // mask bit clear: servers never mask
    } else if (payloadLength <= 0xFFFF) {
        header.append(char(126));
        char length[2];
        qToBigEndian(quint16(payloadLength), length);
        header.append(length, 2);
    } else {
        header.append(char(127));
        char length[8];
        qToBigEndian(payloadLength, length);
        header.append(length, 8);
    }
    return header;
}
} // namespace

TextFrame::TextFrame(QByteArrayList utf8Parts)
{
    quint64 payload = 0;
    for (const QByteArray &part : utf8Parts)
        payload += quint64(part.size());
    m_parts.reserve(utf8Parts.size() + 1);
    m_parts.append(frameHeader(payload));
    m_parts.append(std::move(utf8Parts));
    m_wireSize = qint64(payload) + m_parts.front().size();
}

QString TextFrame::text() const
{
    return QString::fromUtf8(m_parts.mid(1).join());
}

} // namespace Optiverse::Collab
