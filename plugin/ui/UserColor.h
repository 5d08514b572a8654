// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QString>

namespace Optiverse::Collab {

/// A stable colour per user: derived from the user id alone, so every
/// participant sees the same person in the same colour without coordination.
class UserColor
{
public:
    static QColor forUser(const QString &userId);
};

} // namespace Optiverse::Collab
