// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonValue>
#include <QString>

namespace Optiverse::Collab {

/**
 * One property of an item that a change wrote: its value before and after.
 * A value that is Undefined was absent on that side (the key was added, or
 * deleted). SessionModel reports them as it applies a command, and the
 * history keeps them (HistoryOperation::ItemChange).
 */
struct PropertyChange
{
    QString key;
    QJsonValue before; ///< Undefined: the key was added
    QJsonValue after;  ///< Undefined: the key was deleted
};

} // namespace Optiverse::Collab
