// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QString>
#include <QUuid>

namespace Optiverse {

/**
 * A value describing one item of the optical table.
 *
 * - @c uuid identifies the item for its whole life, on every machine.
 * - @c type is one of "lens", "mirror", "beamsplitter", "dichroic",
 *   "waveplate", "slm", "source", "ruler", "text", "component", or any other
 *   string a host understands. Hosts must keep items of unknown types.
 * - @c data always carries "x_mm", "y_mm" and "angle_deg" (numbers) and any
 *   type-specific parameters (e.g. "focal_length_mm" for a lens).
 *
 * Plain value type: copy freely, no ownership, usable from any thread.
 *
 * @since 1.0
 */
struct SceneItem
{
    QUuid uuid;
    QString type;
    QJsonObject data;

    bool operator==(const SceneItem &other) const
    {
        return uuid == other.uuid && type == other.type && data == other.data;
    }
    bool operator!=(const SceneItem &other) const { return !(*this == other); }
};

/// Keys every item's data carries, in millimetres and degrees. @since 1.0
inline constexpr const char kXmm[] = "x_mm";
inline constexpr const char kYmm[] = "y_mm";
inline constexpr const char kAngleDeg[] = "angle_deg";

} // namespace Optiverse
