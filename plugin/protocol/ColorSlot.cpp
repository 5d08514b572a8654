// SPDX-License-Identifier: MIT
#include "ColorSlot.h"

#include <QCryptographicHash>

namespace Optiverse::Collab {

int ColorSlot::preferred(const QString &userId)
{
    const QByteArray digest = QCryptographicHash::hash(userId.toUtf8(), QCryptographicHash::Sha1);
    const quint32 value = (quint32(quint8(digest.at(0))) << 24) | (quint32(quint8(digest.at(1))) << 16)
        | (quint32(quint8(digest.at(2))) << 8) | quint32(quint8(digest.at(3)));
    return int(value % PaletteSize);
}

} // namespace Optiverse::Collab
