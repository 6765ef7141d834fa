using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace SseRx.Tests.PublicApi;

/// <summary>
/// Renders an assembly's public surface as sorted text: every type visible to a consumer (public, or protected
/// inside an unsealed public type), its kind, base type and interfaces, and every public or protected member
/// with its signature, including nullable annotations, parameter modifiers and default values.
/// </summary>
/// <remarks>
/// The text is deterministic (ordinal sort, "\n" line ends) so it can be compared with a checked-in listing.
/// Compiler-generated members with unspeakable names (a record's <c>&lt;Clone&gt;$</c>) and accessor methods are
/// left out; the properties, events and operators they belong to are listed instead.
/// </remarks>
internal static class PublicApiRenderer
{
    private const BindingFlags Declared =
        BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void",
        [typeof(object)] = "object",
        [typeof(string)] = "string",
        [typeof(bool)] = "bool",
        [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte",
        [typeof(char)] = "char",
        [typeof(short)] = "short",
        [typeof(ushort)] = "ushort",
        [typeof(int)] = "int",
        [typeof(uint)] = "uint",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(float)] = "float",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
    };

    public static string Render(Assembly assembly) => Render(assembly.GetTypes());

    /// <summary>Renders the visible ones of <paramref name="candidates"/>.</summary>
    public static string Render(IEnumerable<Type> candidates)
    {
                var types = candidates
            .Where(IsVisible)
            .OrderBy(type => TypeName(type, null, qualify: true), StringComparer.Ordinal)
            .ThenBy(type => type.IsGenericTypeDefinition ? type.GetGenericArguments().Length : 0)
            .Select(type => (Header: TypeHeader(type), Members: Members(type)));

        var text = new StringBuilder();
        foreach (var (header, members) in types)
        {
            text.Append(header).Append('\n');
            foreach (var member in members)
            {
                text.Append("  ").Append(member).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Whether a consumer outside the assembly can see <paramref name="type"/>.</summary>
    internal static bool IsVisible(Type type)
    {
        if (type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
        {
            return false;
        }

        if (!type.IsNested)
        {
            return type.IsPublic;
        }

        var declaring = type.DeclaringType!;
        return IsVisible(declaring) &&
            (type.IsNestedPublic || ((type.IsNestedFamily || type.IsNestedFamORAssem) && !declaring.IsSealed));
    }

    private static bool IsVisible(MethodBase method) =>
        method.IsPublic || ((method.IsFamily || method.IsFamilyOrAssembly) && !method.DeclaringType!.IsSealed);

    private static bool IsVisible(FieldInfo field) =>
        field.IsPublic || ((field.IsFamily || field.IsFamilyOrAssembly) && !field.DeclaringType!.IsSealed);

    private static string TypeHeader(Type type)
    {
        var text = new StringBuilder(Access(type)).Append(' ');
        string kind;
        if (type.IsEnum)
        {
            kind = type.IsDefined(typeof(FlagsAttribute), inherit: false) ? "[Flags] enum" : "enum";
        }
        else if (type.IsInterface)
        {
            kind = "interface";
        }
        else if (type.IsValueType)
        {
            kind = (type.IsDefined(typeof(IsReadOnlyAttribute), inherit: false) ? "readonly " : string.Empty) +
                (IsRecordStruct(type) ? "record struct" : "struct");
        }
        else if (typeof(Delegate).IsAssignableFrom(type.BaseType))
        {
            kind = "delegate";
        }
        else
        {
            var modifier = type switch
            {
                { IsAbstract: true, IsSealed: true } => "static ",
                { IsAbstract: true } => "abstract ",
                { IsSealed: true } => "sealed ",
                _ => string.Empty,
            };
            kind = modifier + (IsRecordClass(type) ? "record" : "class");
        }

        text.Append(kind).Append(' ').Append(TypeName(type, null, qualify: true));
        text.Append(GenericParameters(type.IsGenericTypeDefinition ? type.GetGenericArguments() : []));

        var bases = new List<string>();
        if (type.BaseType is { } baseType &&
            baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum) &&
            baseType != typeof(MulticastDelegate))
        {
            bases.Add(TypeName(baseType, null, qualify: true));
        }

        if (type.IsEnum)
        {
            bases.Add(TypeName(Enum.GetUnderlyingType(type), null, qualify: true));
        }

        // An enum's or delegate's interfaces come with its kind; listing them would only add noise.
        var interfaces = type.IsEnum || typeof(Delegate).IsAssignableFrom(type.BaseType) ? [] : type.GetInterfaces();
        bases.AddRange(interfaces
            .Where(i => i.IsPublic || i.IsNestedPublic)
            .Select(i => TypeName(i, null, qualify: true))
            .Order(StringComparer.Ordinal));
        if (bases.Count > 0)
        {
            text.Append(" : ").AppendJoin(", ", bases);
        }

        text.Append(Constraints(type.IsGenericTypeDefinition ? type.GetGenericArguments() : []));
        return text.ToString();
    }

    private static List<string> Members(Type type)
    {
        var members = new List<string>();
        if (type.IsEnum)
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                members.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{field.Name} = {Convert.ToInt64(field.GetRawConstantValue(), CultureInfo.InvariantCulture)}"));
            }

            return SortEnumMembers(members);
        }

        if (typeof(Delegate).IsAssignableFrom(type.BaseType))
        {
            var invoke = type.GetMethod("Invoke")!;
            members.Add("invoke " + Method(invoke));
            return members;
        }

        foreach (var member in type.GetMembers(Declared))
        {
            var line = member switch
            {
                ConstructorInfo ctor when IsVisible(ctor) && !IsRecordCopyConstructor(ctor) => "ctor " + Constructor(ctor),
                MethodInfo method when IsVisible(method) && IsListedMethod(method) => "method " + Method(method),
                PropertyInfo property when Accessors(property).Any(IsVisible) => "property " + Property(property),
                FieldInfo field when IsVisible(field) && !field.IsSpecialName => "field " + Field(field),
                EventInfo @event when @event.AddMethod is { } add && IsVisible(add) => "event " + Event(@event),
                _ => null,
            };
            if (line is not null)
            {
                members.Add(line);
            }
        }

        members.Sort(StringComparer.Ordinal);
        return members;
    }

    /// <summary>Enum members keep their declaration value order; ties (aliases) by name.</summary>
    private static List<string> SortEnumMembers(List<string> members) =>
        [.. members.OrderBy(m => long.Parse(m[(m.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ThenBy(m => m, StringComparer.Ordinal)];

    private static bool IsListedMethod(MethodInfo method)
    {
        if (method.Name.Contains('<', StringComparison.Ordinal))
        {
            return false;
        }

        // Accessors are listed with their property or event; operators and conversions are special names too.
        return !method.IsSpecialName || method.Name.StartsWith("op_", StringComparison.Ordinal);
    }

    private static IEnumerable<MethodInfo> Accessors(PropertyInfo property) =>
        new[] { property.GetMethod, property.SetMethod }.OfType<MethodInfo>();

    private static string Constructor(ConstructorInfo ctor) =>
        $"{MethodModifiers(ctor)}{TypeName(ctor.DeclaringType!, null, qualify: false)}({Parameters(ctor)})";

    private static string Method(MethodInfo method)
    {
        var returnType = TypeName(method.ReturnType, NullableFlags.For(method.ReturnParameter, method), qualify: true);
        var generic = method.IsGenericMethodDefinition ? method.GetGenericArguments() : [];
        return $"{MethodModifiers(method)}{returnType} {method.Name}{GenericParameters(generic)}({Parameters(method)}){Constraints(generic)}";
    }

    private static string Property(PropertyInfo property)
    {
        var any = Accessors(property).First(IsVisible);
        var indexParameters = property.GetIndexParameters();
        var name = indexParameters.Length == 0
            ? property.Name
            : $"this[{string.Join(", ", indexParameters.Select(p => Parameter(p)))}]";

        var accessors = new StringBuilder("{ ");
        if (property.GetMethod is { } get && IsVisible(get))
        {
            accessors.Append(Access(get) == Access(any) ? string.Empty : Access(get) + " ").Append("get; ");
        }

        if (property.SetMethod is { } set && IsVisible(set))
        {
            var isInit = set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
            accessors.Append(Access(set) == Access(any) ? string.Empty : Access(set) + " ").Append(isInit ? "init; " : "set; ");
        }

        accessors.Append('}');
        return $"{MethodModifiers(any)}{TypeName(property.PropertyType, NullableFlags.For(property, property.DeclaringType), qualify: true)} {name} {accessors}";
    }

    private static string Field(FieldInfo field)
    {
        var modifiers = new StringBuilder(Access(field)).Append(' ');
        if (field.IsLiteral)
        {
            modifiers.Append("const ");
        }
        else
        {
            if (field.IsStatic)
            {
                modifiers.Append("static ");
            }

            if (field.IsInitOnly)
            {
                modifiers.Append("readonly ");
            }
        }

        var text = $"{modifiers}{TypeName(field.FieldType, NullableFlags.For(field, field.DeclaringType), qualify: true)} {field.Name}";
        return field.IsLiteral ? $"{text} = {Literal(field.GetRawConstantValue(), field.FieldType)}" : text;
    }

    private static string Event(EventInfo @event) =>
        $"{MethodModifiers(@event.AddMethod!)}{TypeName(@event.EventHandlerType!, NullableFlags.For(@event, @event.DeclaringType), qualify: true)} {@event.Name}";

    private static string MethodModifiers(MethodBase method)
    {
        var text = new StringBuilder(Access(method)).Append(' ');
        if (method.IsStatic)
        {
            text.Append("static ");
        }

        if (method is not MethodInfo info)
        {
            return text.ToString();
        }

        if (info.DeclaringType!.IsInterface)
        {
            text.Append(info.IsAbstract ? "abstract " : info.IsVirtual ? "virtual " : string.Empty);
        }
        else if (info.IsAbstract)
        {
            text.Append("abstract ");
        }
        else if (info.GetBaseDefinition().DeclaringType != info.DeclaringType)
        {
            text.Append(info.IsFinal ? "sealed override " : "override ");
        }
        else if (info.IsVirtual && !info.IsFinal)
        {
            text.Append("virtual ");
        }

        return text.ToString();
    }

    private static string Access(MethodBase method) => method switch
    {
        { IsPublic: true } => "public",
        { IsFamilyOrAssembly: true } => "protected internal",
        _ => "protected",
    };

    private static string Access(FieldInfo field) => field switch
    {
        { IsPublic: true } => "public",
        { IsFamilyOrAssembly: true } => "protected internal",
        _ => "protected",
    };

    private static string Access(Type type) => type switch
    {
        { IsPublic: true } or { IsNestedPublic: true } => "public",
        { IsNestedFamORAssem: true } => "protected internal",
        _ => "protected",
    };

    private static string Parameters(MethodBase method)
    {
        var parameters = method.GetParameters().Select(p => Parameter(p));
        var prefix = method.IsDefined(typeof(ExtensionAttribute), inherit: false) ? "this " : string.Empty;
        return prefix + string.Join(", ", parameters);
    }

    private static string Parameter(ParameterInfo parameter)
    {
        var text = new StringBuilder();
        foreach (var attribute in parameter.GetCustomAttributesData()
                     .Where(a => a.AttributeType.Namespace == "System.Diagnostics.CodeAnalysis")
                     .Select(Attribute)
                     .Order(StringComparer.Ordinal))
        {
            text.Append('[').Append(attribute).Append("] ");
        }

        var type = parameter.ParameterType;
        if (type.IsByRef)
        {
            text.Append(parameter.IsOut ? "out " : parameter.IsIn ? "in " : "ref ");
            type = type.GetElementType()!;
        }
        else if (parameter.IsDefined(typeof(ParamArrayAttribute), inherit: false))
        {
            text.Append("params ");
        }

        text.Append(TypeName(type, NullableFlags.For(parameter, parameter.Member), qualify: true)).Append(' ').Append(parameter.Name);
        if (parameter.HasDefaultValue)
        {
            text.Append(" = ").Append(Literal(parameter.RawDefaultValue, type));
        }

        return text.ToString();
    }

    private static string Attribute(CustomAttributeData attribute)
    {
        var name = attribute.AttributeType.Name;
        name = name.EndsWith("Attribute", StringComparison.Ordinal) ? name[..^"Attribute".Length] : name;
        var arguments = attribute.ConstructorArguments.Select(a => Literal(a.Value, a.ArgumentType)).ToList();
        return arguments.Count == 0 ? name : $"{name}({string.Join(", ", arguments)})";
    }

    private static string Literal(object? value, Type type) => value switch
    {
        null when type.IsValueType && Nullable.GetUnderlyingType(type) is null => "default",
        null => "null",
        string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        char c => $"'{c}'",
        bool b => b ? "true" : "false",
        _ when (Nullable.GetUnderlyingType(type) ?? type).IsEnum =>
            $"({TypeName(Nullable.GetUnderlyingType(type) ?? type, null, qualify: true)}){Convert.ToString(value, CultureInfo.InvariantCulture)}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string GenericParameters(Type[] parameters) =>
        parameters.Length == 0 ? string.Empty : $"<{string.Join(", ", parameters.Select(GenericParameter))}>";

    private static string GenericParameter(Type parameter)
    {
        var variance = parameter.GenericParameterAttributes & GenericParameterAttributes.VarianceMask;
        var prefix = variance switch
        {
            GenericParameterAttributes.Covariant => "out ",
            GenericParameterAttributes.Contravariant => "in ",
            _ => string.Empty,
        };
        return prefix + parameter.Name;
    }

    private static string Constraints(Type[] parameters)
    {
        var text = new StringBuilder();
        foreach (var parameter in parameters)
        {
            var constraints = new List<string>();
            var attributes = parameter.GenericParameterAttributes;
            if (attributes.HasFlag(GenericParameterAttributes.ReferenceTypeConstraint))
            {
                constraints.Add("class");
            }

            if (attributes.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint))
            {
                constraints.Add("struct");
            }

            constraints.AddRange(parameter.GetGenericParameterConstraints()
                .Where(c => c != typeof(ValueType))
                .Select(c => TypeName(c, null, qualify: true))
                .Order(StringComparer.Ordinal));
            if (attributes.HasFlag(GenericParameterAttributes.DefaultConstructorConstraint) &&
                !attributes.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint))
            {
                constraints.Add("new()");
            }

            if (constraints.Count > 0)
            {
                text.Append(" where ").Append(parameter.Name).Append(" : ").AppendJoin(", ", constraints);
            }
        }

        return text.ToString();
    }

    /// <summary>A type as C# spells it, with <c>?</c> where <paramref name="nullability"/> marks it annotated.</summary>
    /// <remarks>
    /// Reads the compiler's nullable metadata itself (Roslyn's docs/features/nullable-metadata.md) rather than <see cref="NullabilityInfoContext"/>,
    /// which reports an unannotated type parameter by what it may hold, so it cannot tell <c>T</c> from <c>T?</c>.
    /// </remarks>
    internal static string TypeName(Type type, NullableFlags? nullability, bool qualify)
    {
        // Roslyn's encoding: a nullable value type is represented by its argument alone, a non-generic value
        // type by nothing; every other type (reference, array, generic value type, type parameter) takes one flag.
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return TypeName(underlying, nullability, qualify) + "?";
        }

        var takesFlag = !type.IsValueType || type.IsGenericType || type.IsGenericParameter;
        var flag = takesFlag ? nullability?.Next() : null;

        var mark = !type.IsValueType && flag == NullableFlags.Annotated ? "?" : string.Empty;
        if (type.IsArray)
        {
            var rank = type.GetArrayRank();
            return $"{TypeName(type.GetElementType()!, nullability, qualify)}[{new string(',', rank - 1)}]{mark}";
        }

        if (type.IsGenericParameter)
        {
            return type.Name + mark;
        }

        if (Keywords.TryGetValue(type, out var keyword))
        {
            return keyword + mark;
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        var prefix = !qualify ? string.Empty
            : type.IsNested ? TypeName(type.DeclaringType!, null, qualify) + "."
            : string.IsNullOrEmpty(type.Namespace) ? string.Empty
            : type.Namespace + ".";

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            var rendered = type.GetGenericArguments().Select(a => TypeName(a, nullability, qualify: true)).ToList();
            return $"{prefix}{name}<{string.Join(", ", rendered)}>{mark}";
        }

        return prefix + name + mark;
    }

    private static bool IsRecordClass(Type type) =>
        type.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance) is not null;

    private static bool IsRecordStruct(Type type) =>
        type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance, [typeof(StringBuilder)]) is { } printMembers &&
        printMembers.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false);

    /// <summary>The protected copy constructor a record class gets; it is an implementation detail of <c>with</c>.</summary>
    private static bool IsRecordCopyConstructor(ConstructorInfo ctor) =>
        IsRecordClass(ctor.DeclaringType!) &&
        ctor.GetParameters() is [{ } only] && only.ParameterType == ctor.DeclaringType;

    /// <summary>A cursor over the compiler's nullable metadata for one type reference.</summary>
    internal sealed class NullableFlags
    {
        public const byte Annotated = 2;

        private readonly byte[] _flags;
        private int _next;

        private NullableFlags(byte[] flags) => _flags = flags;

        /// <summary>The flags of the type at <paramref name="site"/>, falling back to the nearest nullable context.</summary>
        public static NullableFlags? For(ICustomAttributeProvider site, MemberInfo? context)
        {
            if (Read(site, "NullableAttribute") is { } flags)
            {
                return new NullableFlags(flags);
            }

            for (var member = context; member is not null; member = member.DeclaringType)
            {
                if (Read(member, "NullableContextAttribute") is { } contextFlags)
                {
                    return new NullableFlags(contextFlags);
                }
            }

            return context is not null && Read(context.Module, "NullableContextAttribute") is { } moduleFlags
                ? new NullableFlags(moduleFlags)
                : null;
        }

        /// <summary>The flag of the next type in pre-order; a single flag applies to every type.</summary>
        public byte Next() => _flags.Length == 1 ? _flags[0] : _next < _flags.Length ? _flags[_next++] : (byte)0;

        private static byte[]? Read(ICustomAttributeProvider site, string attributeName)
        {
            var data = site switch
            {
                MemberInfo member => member.GetCustomAttributesData(),
                ParameterInfo parameter => parameter.GetCustomAttributesData(),
                Module module => module.GetCustomAttributesData(),
                _ => [],
            };
            var attribute = data.FirstOrDefault(a =>
                a.AttributeType.Name == attributeName && a.AttributeType.Namespace == "System.Runtime.CompilerServices");
            return attribute?.ConstructorArguments[0].Value switch
            {
                byte single => [single],
                IReadOnlyCollection<CustomAttributeTypedArgument> many => [.. many.Select(a => (byte)a.Value!)],
                _ => null,
            };
        }
    }
}
