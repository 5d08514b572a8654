// SPDX-License-Identifier: MIT
#include "UserColor.h"

#include <QCryptographicHash>

namespace Optiverse::Collab {

QColor UserColor::forUser(const QString &userId)
{
    // qHash is seeded per process; a real hash keeps colours equal everywhere.
    const QByteArray digest = QCryptographicHash::hash(userId.toUtf8(), QCryptographicHash::Sha1);
    const int hue = ((quint8(digest.at(0)) << 8) | quint8(digest.at(1))) % 360;
    return QColor::fromHsv(hue, 190, 215);
}

} // namespace Optiverse::Collab
